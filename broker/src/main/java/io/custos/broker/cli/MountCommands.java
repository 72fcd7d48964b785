package io.custos.broker.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code secrets} and {@code auth}: enabling, disabling, listing, tuning (and moving) mounts. */
final class MountCommands {
    private MountCommands() {
    }

    static String slash(String path) {
        String p = GenericCommands.clean(path);
        return p.endsWith("/") ? p : p + "/";
    }

    /** The tuning flags {@code enable} and {@code tune} share, as a mount's {@code config}. */
    static final class TuneOptions {
        @Option(names = {"-description", "--description"}, paramLabel = "TEXT", description = "A description.")
        String description;

        @Option(names = {"-default-lease-ttl", "--default-lease-ttl"}, paramLabel = "DURATION",
                description = "Default lease TTL (or system).")
        String defaultLeaseTtl;

        @Option(names = {"-max-lease-ttl", "--max-lease-ttl"}, paramLabel = "DURATION",
                description = "Maximum lease TTL (or system).")
        String maxLeaseTtl;

        @Option(names = {"-audit-non-hmac-request-keys", "--audit-non-hmac-request-keys"}, paramLabel = "KEY",
                description = "Request keys the audit log keeps in clear (repeatable).")
        List<String> nonHmacRequest;

        @Option(names = {"-audit-non-hmac-response-keys", "--audit-non-hmac-response-keys"}, paramLabel = "KEY",
                description = "Response keys the audit log keeps in clear (repeatable).")
        List<String> nonHmacResponse;

        @Option(names = {"-listing-visibility", "--listing-visibility"}, paramLabel = "unauth|hidden",
                description = "Whether the mount is listed to unauthenticated callers.")
        String listingVisibility;

        @Option(names = {"-options", "--options"}, paramLabel = "K=V", description = "Engine options (repeatable).")
        List<String> options;

        Map<String, Object> config() {
            Map<String, Object> c = new LinkedHashMap<>();
            put(c, "default_lease_ttl", defaultLeaseTtl);
            put(c, "max_lease_ttl", maxLeaseTtl);
            put(c, "audit_non_hmac_request_keys", nonHmacRequest);
            put(c, "audit_non_hmac_response_keys", nonHmacResponse);
            put(c, "listing_visibility", listingVisibility);
            return c;
        }

        private static void put(Map<String, Object> m, String k, Object v) {
            if (v != null) {
                m.put(k, v);
            }
        }
    }

    @Command(name = "secrets", description = "Secrets engines: enable, disable, list, tune, move.",
            subcommands = {SecretsEnable.class, SecretsDisable.class, SecretsList.class, SecretsTune.class, SecretsMove.class})
    static final class Secrets extends CommandGroup {
    }

    @Command(name = "enable",
            description = "Enables a secrets engine of TYPE (kv, kv-v2, database, pki) at -path (default: TYPE).")
    static final class SecretsEnable extends CliCommand {
        @Parameters(index = "0", paramLabel = "TYPE", description = "The engine type.")
        String type;

        @Option(names = {"-path", "--path"}, paramLabel = "PATH", description = "Where to mount it.")
        String path;

        @Option(names = {"-version", "--version"}, paramLabel = "N", description = "KV version (1 or 2).")
        Integer version;

        @picocli.CommandLine.Mixin
        TuneOptions tune;

        @Override
        int run() {
            String at = slash(path != null ? path : type);
            doing("enabling");
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("type", type);
            body.put("description", tune.description == null ? "" : tune.description);
            body.put("config", tune.config());
            Map<String, Object> opts = KeyValues.parse(tune.options, env);
            if (version != null) {
                opts.put("version", String.valueOf(version));
            }
            body.put("options", opts);
            client().call("POST", "sys/mounts/" + at, body);
            success("Enabled the " + type + " secrets engine at: " + at);
            return 0;
        }
    }

    @Command(name = "disable",
            description = "Disables the secrets engine at PATH: its leases are revoked and its data deleted.")
    static final class SecretsDisable extends CliCommand {
        @Parameters(index = "0", paramLabel = "PATH", description = "The mount.")
        String path;

        @Override
        int run() {
            doing("disabling secrets engine at " + slash(path));
            client().call("DELETE", "sys/mounts/" + slash(path), null);
            success("Disabled the secrets engine (if it existed) at: " + slash(path));
            return 0;
        }
    }

    @Command(name = "list", description = "Lists the secrets engines.")
    static final class SecretsList extends CliCommand {
        @Option(names = {"-detailed", "--detailed"}, description = "Also the TTLs, options and UUIDs.")
        boolean detailed;

        @Override
        int run() {
            doing("listing secrets engines");
            return listMounts(this, client().call("GET", "sys/mounts", null), detailed);
        }
    }

    static int listMounts(CliCommand c, JsonNode answer, boolean detailed) {
        JsonNode data = answer.has("data") && answer.get("data").isObject() ? answer.get("data") : answer;
        if (detailed) {
            return c.output().objects(data, List.of("Path", "Type", "Accessor", "Plugin Version", "Default TTL",
                    "Max TTL", "Options", "Description", "UUID"), List.of("type", "accessor", "plugin_version",
                    "config.default_lease_ttl", "config.max_lease_ttl", "options", "description", "uuid"));
        }
        return c.output().objects(data, List.of("Path", "Type", "Accessor", "Description"),
                List.of("type", "accessor", "description"));
    }

    @Command(name = "tune", description = "Tunes the secrets engine at PATH.")
    static final class SecretsTune extends CliCommand {
        @Parameters(index = "0", paramLabel = "PATH", description = "The mount.")
        String path;

        @picocli.CommandLine.Mixin
        TuneOptions tune;

        @Override
        int run() {
            doing("tuning secrets engine " + slash(path));
            Map<String, Object> body = tune.config();
            if (tune.description != null) {
                body.put("description", tune.description);
            }
            if (tune.options != null) {
                body.put("options", KeyValues.parse(tune.options, env));
            }
            client().call("POST", "sys/mounts/" + slash(path) + "tune", body);
            success("Tuned the secrets engine at: " + slash(path));
            return 0;
        }
    }

    @Command(name = "move",
            description = "Moves a secrets engine from SOURCE to DESTINATION (its leases are revoked first).")
    static final class SecretsMove extends CliCommand {
        @Parameters(index = "0", paramLabel = "SOURCE", description = "The current mount path.")
        String from;

        @Parameters(index = "1", paramLabel = "DESTINATION", description = "The new mount path.")
        String to;

        @Override
        int run() {
            doing("moving secrets engine " + slash(from) + " to " + slash(to));
            JsonNode r = client().call("POST", "sys/remount", Map.of("from", slash(from), "to", slash(to)));
            String id = r == null ? "" : r.path("migration_id").asText(r.path("data").path("migration_id").asText(""));
            success("Finished moving secrets engine " + slash(from) + " to " + slash(to)
                    + (id.isEmpty() ? "" : ", with migration ID " + id));
            return 0;
        }
    }

    @Command(name = "auth", description = "Auth methods: enable, disable, list, tune.",
            subcommands = {AuthEnable.class, AuthDisable.class, AuthList.class, AuthTune.class})
    static final class Auth extends CommandGroup {
    }

    @Command(name = "enable",
            description = "Enables an auth method of TYPE (approle, jwt, kubernetes, cert) at -path (default: TYPE).")
    static final class AuthEnable extends CliCommand {
        @Parameters(index = "0", paramLabel = "TYPE", description = "The method type.")
        String type;

        @Option(names = {"-path", "--path"}, paramLabel = "PATH", description = "Where to mount it (under auth/).")
        String path;

        @picocli.CommandLine.Mixin
        TuneOptions tune;

        @Override
        int run() {
            String at = slash(path != null ? path : type);
            doing("enabling " + type + " auth");
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("type", type);
            body.put("description", tune.description == null ? "" : tune.description);
            body.put("config", tune.config());
            body.put("options", KeyValues.parse(tune.options, env));
            client().call("POST", "sys/auth/" + at, body);
            success("Enabled " + type + " auth method at: " + at);
            return 0;
        }
    }

    @Command(name = "disable",
            description = "Disables the auth method at PATH: the tokens it issued are revoked.")
    static final class AuthDisable extends CliCommand {
        @Parameters(index = "0", paramLabel = "PATH", description = "The method's path.")
        String path;

        @Override
        int run() {
            doing("disabling auth method at " + slash(path));
            client().call("DELETE", "sys/auth/" + slash(path), null);
            success("Disabled the auth method (if it existed) at: " + slash(path));
            return 0;
        }
    }

    @Command(name = "list", description = "Lists the auth methods.")
    static final class AuthList extends CliCommand {
        @Option(names = {"-detailed", "--detailed"}, description = "Also the TTLs, options and UUIDs.")
        boolean detailed;

        @Override
        int run() {
            doing("listing enabled authentications");
            return listMounts(this, client().call("GET", "sys/auth", null), detailed);
        }
    }

    @Command(name = "tune", description = "Tunes the auth method at PATH.")
    static final class AuthTune extends CliCommand {
        @Parameters(index = "0", paramLabel = "PATH", description = "The method's path.")
        String path;

        @picocli.CommandLine.Mixin
        TuneOptions tune;

        @Override
        int run() {
            doing("tuning auth method " + slash(path));
            Map<String, Object> body = tune.config();
            if (tune.description != null) {
                body.put("description", tune.description);
            }
            client().call("POST", "sys/auth/" + slash(path) + "tune", body);
            success("Tuned the auth method at: " + slash(path));
            return 0;
        }
    }
}
