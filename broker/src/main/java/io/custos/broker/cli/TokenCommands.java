package io.custos.broker.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code token create|lookup|renew|revoke|capabilities} ({@code auth/token/}, {@code sys/capabilities}). */
@Command(name = "token", description = "Tokens: create, lookup, renew, revoke, capabilities.",
        subcommands = {TokenCommands.Create.class, TokenCommands.Lookup.class, TokenCommands.Renew.class,
            TokenCommands.Revoke.class, TokenCommands.Capabilities.class})
final class TokenCommands extends CommandGroup {

    @Command(name = "create", description = "Creates a token (a child of the caller's, "
            + "or an orphan).")
    static final class Create extends CliCommand {
        @Option(names = {"-policy", "--policy"}, paramLabel = "NAME", description = "A policy (repeatable).")
        List<String> policies;

        @Option(names = {"-ttl", "--ttl"}, paramLabel = "DURATION", description = "The token's TTL.")
        String ttl;

        @Option(names = {"-explicit-max-ttl", "--explicit-max-ttl"}, paramLabel = "DURATION", description = "A hard cap.")
        String explicitMaxTtl;

        @Option(names = {"-period", "--period"}, paramLabel = "DURATION", description = "A periodic token's period.")
        String period;

        @Option(names = {"-display-name", "--display-name"}, paramLabel = "NAME", description = "A display name.")
        String displayName;

        @Option(names = {"-orphan", "--orphan"}, description = "No parent: it outlives the caller's token.")
        boolean orphan;

        @Option(names = {"-no-default-policy", "--no-default-policy"}, description = "Without the default policy.")
        boolean noDefaultPolicy;

        @Option(names = {"-renewable", "--renewable"}, arity = "0..1", fallbackValue = "true", description = "Renewable.")
        Boolean renewable;

        @Option(names = {"-use-limit", "--use-limit"}, paramLabel = "N", description = "Uses before it is revoked.")
        Integer useLimit;

        @Option(names = {"-role", "--role"}, paramLabel = "NAME", description = "Create through this token role.")
        String role;

        @Option(names = {"-type", "--type"}, paramLabel = "service|batch", description = "The token type.")
        String type;

        @Option(names = {"-metadata", "--metadata"}, paramLabel = "K=V", description = "Metadata (repeatable).")
        List<String> metadata;

        @Override
        int run() {
            doing("creating token");
            Map<String, Object> body = new LinkedHashMap<>();
            put(body, "policies", policies);
            put(body, "ttl", ttl);
            put(body, "explicit_max_ttl", explicitMaxTtl);
            put(body, "period", period);
            put(body, "display_name", displayName);
            put(body, "renewable", renewable);
            put(body, "num_uses", useLimit);
            put(body, "type", type);
            if (noDefaultPolicy) {
                body.put("no_default_policy", true);
            }
            if (metadata != null) {
                body.put("meta", KeyValues.parse(metadata, env));
            }
            String path = role != null ? "auth/token/create/" + role : orphan ? "auth/token/create-orphan"
                    : "auth/token/create";
            return output().secret(client().call("POST", path, body));
        }
    }

    static void put(Map<String, Object> m, String k, Object v) {
        if (v != null) {
            m.put(k, v);
        }
    }

    @Command(name = "lookup",
            description = "Prints a token's properties (the caller's without TOKEN; -accessor for an accessor).")
    static final class Lookup extends CliCommand {
        @Parameters(index = "0", arity = "0..1", paramLabel = "TOKEN", description = "The token (or accessor).")
        String token;

        @Option(names = {"-accessor", "--accessor"}, description = "TOKEN is an accessor.")
        boolean accessor;

        @Override
        int run() {
            doing("looking up token");
            JsonNode secret = token == null ? client().call("GET", "auth/token/lookup-self", null)
                    : accessor ? client().call("POST", "auth/token/lookup-accessor", Map.of("accessor", token))
                    : client().call("POST", "auth/token/lookup", Map.of("token", token));
            return output().secret(secret);
        }
    }

    @Command(name = "renew",
            description = "Renews a token (the caller's without TOKEN) by -increment.")
    static final class Renew extends CliCommand {
        @Parameters(index = "0", arity = "0..1", paramLabel = "TOKEN", description = "The token (or accessor).")
        String token;

        @Option(names = {"-increment", "--increment"}, paramLabel = "DURATION", description = "The new TTL from now.")
        String increment;

        @Option(names = {"-accessor", "--accessor"}, description = "TOKEN is an accessor.")
        boolean accessor;

        @Override
        int run() {
            doing("renewing token");
            Map<String, Object> body = new LinkedHashMap<>();
            put(body, "increment", increment);
            String path = "auth/token/renew-self";
            if (token != null) {
                body.put(accessor ? "accessor" : "token", token);
                path = accessor ? "auth/token/renew-accessor" : "auth/token/renew";
            }
            return output().secret(client().call("POST", path, body));
        }
    }

    @Command(name = "revoke",
            description = "Revokes a token and its children (-mode=orphan keeps them; -self the caller's own).")
    static final class Revoke extends CliCommand {
        @Parameters(index = "0", arity = "0..1", paramLabel = "TOKEN", description = "The token (or accessor).")
        String token;

        @Option(names = {"-self", "--self"}, description = "Revoke the caller's own token.")
        boolean self;

        @Option(names = {"-accessor", "--accessor"}, description = "TOKEN is an accessor.")
        boolean accessor;

        @Option(names = {"-mode", "--mode"}, paramLabel = "orphan", description = "orphan: children are kept.")
        String mode;

        @Override
        int run() {
            doing("revoking token");
            if (self == (token != null)) {
                throw CliException.usage(self ? "-self takes no TOKEN" : "a TOKEN (or -self) is required");
            }
            if (mode != null && !mode.equals("orphan") && !mode.isEmpty()) {
                throw CliException.usage("-mode must be orphan");
            }
            if (self) {
                client().call("POST", "auth/token/revoke-self", Map.of());
            } else if (accessor) {
                client().call("POST", "auth/token/revoke-accessor", Map.of("accessor", token));
            } else {
                client().call("POST", "orphan".equals(mode) ? "auth/token/revoke-orphan" : "auth/token/revoke",
                        Map.of("token", token));
            }
            success("Revoked token (if it existed)");
            return 0;
        }
    }

    @Command(name = "capabilities",
            description = "Prints what a token (the caller's without TOKEN) may do on PATH.")
    static final class Capabilities extends CliCommand {
        @Parameters(index = "0", paramLabel = "TOKEN|PATH", description = "The token, or the path for the caller's.")
        String first;

        @Parameters(index = "1", arity = "0..1", paramLabel = "PATH", description = "The path, after a TOKEN.")
        String second;

        @Override
        int run() {
            String path = second == null ? first : second;
            doing("listing capabilities");
            JsonNode r = second == null ? client().call("POST", "sys/capabilities-self", Map.of("paths", List.of(path)))
                    : client().call("POST", "sys/capabilities", Map.of("token", first, "paths", List.of(path)));
            JsonNode data = r.path("data");
            JsonNode caps = data.has(path) ? data.get(path) : data.path("capabilities");
            List<String> out = new ArrayList<>();
            caps.forEach(c -> out.add(c.asText()));
            out.sort(null);
            if (!output().format().equals("table")) {
                return output().structured(caps);
            }
            env.out().println(String.join(", ", out));
            return 0;
        }
    }
}
