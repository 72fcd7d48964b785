package io.custos.broker.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code read}, {@code write}, {@code list}, {@code delete}, {@code patch}: any path, as Vault's CLI;
 * and {@code unwrap}, which reads back what any of them wrapped ({@code -wrap-ttl}).
 */
final class GenericCommands {
    private GenericCommands() {
    }

    /** A path as typed: leading slashes dropped. */
    static String clean(String path) {
        return path.replaceAll("^/+", "");
    }

    @Command(name = "read",
            description = {"Reads data at PATH and prints it (GET /v1/PATH).",
                    "K=V pairs are sent as query parameters (e.g. version=2)."})
    static final class Read extends CliCommand {
        @Parameters(index = "0", paramLabel = "PATH", description = "The path to read.")
        String path;

        @Parameters(index = "1..*", paramLabel = "K=V", description = "Query parameters.")
        List<String> args;

        @Override
        int run() {
            doing("reading " + path);
            Map<String, Object> query = KeyValues.parse(args, env);
            StringJoiner q = new StringJoiner("&", "?", "").setEmptyValue("");
            query.forEach((k, v) -> q.add(URLEncoder.encode(k, StandardCharsets.UTF_8) + "="
                    + URLEncoder.encode(String.valueOf(v), StandardCharsets.UTF_8)));
            JsonNode secret = client().read(clean(path) + q);
            if (secret == null) {
                env.err().println("No value found at " + path);
                return CliException.USAGE_OR_SERVER;
            }
            return output().secret(secret);
        }
    }

    @Command(name = "write",
            description = {"Writes data to PATH (PUT /v1/PATH) and prints any answer.",
                    "Data is K=V pairs; V may be @FILE or - (standard input); a lone - or @FILE.json is a JSON object."})
    static final class Write extends CliCommand {
        @Parameters(index = "0", paramLabel = "PATH", description = "The path to write to.")
        String path;

        @Parameters(index = "1..*", paramLabel = "K=V", description = "The data.")
        List<String> args;

        @Option(names = {"-force", "-f", "--force"}, description = "Write even with no K=V pairs.")
        boolean force;

        @Override
        int run() {
            doing("writing to " + path);
            Map<String, Object> data = KeyValues.parse(args, env);
            if (data.isEmpty() && !force) {
                throw CliException.usage("Must supply data or use -force");
            }
            JsonNode secret = client().call("PUT", clean(path), data);
            return secretOr(secret, "Data written to: " + path);
        }
    }

    @Command(name = "list", description = "Lists the keys below PATH (LIST /v1/PATH).")
    static final class ListKeys extends CliCommand {
        @Parameters(index = "0", paramLabel = "PATH", description = "The path to list.")
        String path;

        @Override
        int run() {
            doing("listing " + path);
            String p = clean(path);
            JsonNode secret = client().read((p.endsWith("/") ? p : p + "/") + "?list=true");
            if (wrapped(secret)) {
                return output().secret(secret); // -wrap-ttl: the wrapping token, not the keys
            }
            if (secret == null || !secret.path("data").path("keys").isArray()) {
                env.err().println("No value found at " + path);
                return CliException.USAGE_OR_SERVER;
            }
            return output().list(secret);
        }
    }

    @Command(name = "delete",
            description = "Deletes data at PATH (DELETE /v1/PATH); K=V pairs are sent as query parameters.")
    static final class Delete extends CliCommand {
        @Parameters(index = "0", paramLabel = "PATH", description = "The path to delete.")
        String path;

        @Override
        int run() {
            doing("deleting " + path);
            JsonNode secret = client().call("DELETE", clean(path), null);
            return secretOr(secret, "Data deleted (if it existed) at: " + path);
        }
    }

    @Command(name = "patch",
            description = "Merges K=V data into PATH (PATCH /v1/PATH, JSON merge patch) and prints any answer.")
    static final class Patch extends CliCommand {
        @Parameters(index = "0", paramLabel = "PATH", description = "The path to patch.")
        String path;

        @Parameters(index = "1..*", paramLabel = "K=V", description = "The data to merge.")
        List<String> args;

        @Override
        int run() {
            doing("patching " + path);
            JsonNode secret = client().call("PATCH", clean(path), KeyValues.parse(args, env));
            return secretOr(secret, "Data written to: " + path);
        }
    }

    @Command(name = "unwrap",
            description = {"Unwraps a wrapped answer (PUT /v1/sys/wrapping/unwrap) and prints it: it is then gone.",
                    "TOKEN is the wrapping token; without it, the client's own token is taken as the wrapping token."})
    static final class Unwrap extends CliCommand {
        @Parameters(index = "0", arity = "0..1", paramLabel = "TOKEN", description = "The wrapping token.")
        String wrappingToken;

        @Override
        int run() {
            doing("unwrapping");
            CliClient client = client();
            Map<String, Object> body = Map.of();
            String wrapping = wrappingToken == null ? "" : wrappingToken.trim();
            if (!wrapping.isEmpty()) {
                // as Vault's client: the wrapping token is the credential when there is no other
                if (client.token() == null) {
                    client = options.client(env, wrapping);
                } else if (!wrapping.equals(client.token())) {
                    body = Map.of("token", wrapping);
                }
            }
            JsonNode secret = client.call("PUT", "sys/wrapping/unwrap", body);
            if (secret == null) {
                env.out().println("Successfully unwrapped. There was no data in the wrapped secret.");
                return 0;
            }
            if (options.field == null && secret.path("data").path("keys").isArray() && secret.path("data").size() == 1) {
                return output().list(secret); // a wrapped list
            }
            return output().secret(secret);
        }
    }
}
