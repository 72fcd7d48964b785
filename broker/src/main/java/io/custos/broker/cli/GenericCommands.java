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

/** {@code read}, {@code write}, {@code list}, {@code delete}, {@code patch}: any path, as Vault's CLI. */
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
}
