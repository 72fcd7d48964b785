package io.custos.broker.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code kv metadata get|put|delete}: a KV v2 secret's metadata and every version's. */
@Command(name = "metadata", description = "Reads and writes a KV v2 secret's metadata.",
        subcommands = {KvMetadataCommands.Get.class, KvMetadataCommands.Put.class, KvMetadataCommands.Delete.class})
final class KvMetadataCommands extends CommandGroup {

    @Command(name = "get", description = "Prints the metadata and every version's.")
    static final class Get extends KvCommands.KvCommand {
        @Parameters(index = "0", paramLabel = "PATH", description = "The secret.")
        String path;

        @Override
        int run() {
            doing("reading " + path);
            KvCommands.Location l = locate(path);
            KvCommands.KvCommand.requireV2(l, "Metadata");
            JsonNode secret = client().read(l.path("metadata"));
            if (secret == null) {
                env.err().println("No value found at " + l.path("metadata"));
                return CliException.USAGE_OR_SERVER;
            }
            Output out = output();
            if (!out.format().equals("table") || options.field != null || wrapped(secret)) {
                return out.secret(secret);
            }
            env.out().println("=== Metadata Path ===");
            env.out().println(l.path("metadata"));
            env.out().println();
            env.out().println("========== Metadata ==========");
            Map<String, JsonNode> meta = new LinkedHashMap<>();
            secret.path("data").fields().forEachRemaining(e -> {
                if (!e.getKey().equals("versions")) {
                    meta.put(e.getKey(), e.getValue());
                }
            });
            out.table(List.of("Key", "Value"), meta);
            secret.path("data").path("versions").fields().forEachRemaining(v -> {
                env.out().println();
                env.out().println("====== Version " + v.getKey() + " ======");
                Map<String, JsonNode> rows = new LinkedHashMap<>();
                v.getValue().fields().forEachRemaining(e -> rows.put(e.getKey(), e.getValue()));
                out.table(List.of("Key", "Value"), rows);
            });
            return 0;
        }
    }

    @Command(name = "put", description = "Sets a KV v2 secret's metadata.")
    static final class Put extends KvCommands.KvCommand {
        @Parameters(index = "0", paramLabel = "PATH", description = "The secret.")
        String path;

        @Option(names = {"-max-versions", "--max-versions"}, paramLabel = "N", description = "Versions kept (0: the mount's).")
        Integer maxVersions;

        @Option(names = {"-cas-required", "--cas-required"}, arity = "0..1", fallbackValue = "true",
                description = "Every write must give -cas.")
        Boolean casRequired;

        @Option(names = {"-delete-version-after", "--delete-version-after"}, paramLabel = "DURATION",
                description = "Versions are deleted this long after they are written (0s: never).")
        String deleteVersionAfter;

        @Option(names = {"-custom-metadata", "--custom-metadata"}, paramLabel = "K=V",
                description = "A custom metadata pair (repeatable).")
        List<String> customMetadata;

        @Override
        int run() {
            doing("writing metadata to " + path);
            KvCommands.Location l = locate(path);
            KvCommands.KvCommand.requireV2(l, "Metadata");
            Map<String, Object> body = new LinkedHashMap<>();
            if (maxVersions != null) {
                body.put("max_versions", maxVersions);
            }
            if (casRequired != null) {
                body.put("cas_required", casRequired);
            }
            if (deleteVersionAfter != null) {
                body.put("delete_version_after", deleteVersionAfter);
            }
            if (customMetadata != null) {
                body.put("custom_metadata", KeyValues.parse(customMetadata, env));
            }
            client().call("PUT", l.path("metadata"), body);
            success("Data written to: " + l.path("metadata"));
            return 0;
        }
    }

    @Command(name = "delete",
            description = "Deletes a KV v2 secret's metadata and every version, for good.")
    static final class Delete extends KvCommands.KvCommand {
        @Parameters(index = "0", paramLabel = "PATH", description = "The secret.")
        String path;

        @Override
        int run() {
            doing("deleting " + path);
            KvCommands.Location l = locate(path);
            KvCommands.KvCommand.requireV2(l, "Metadata");
            client().call("DELETE", l.path("metadata"), null);
            success("Data deleted (if it existed) at: " + l.path("metadata"));
            return 0;
        }
    }
}
