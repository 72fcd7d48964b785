package io.custos.broker.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code kv}: the KV engine by its logical paths. The mount and its version come from
 * {@code sys/internal/ui/mounts/:path} (or {@code -mount}); version 2 paths get their
 * {@code data/}, {@code metadata/}, {@code delete/}, {@code undelete/}, {@code destroy/} segment.
 */
@Command(name = "kv", description = "Reads and writes secrets in a KV engine (v1 or v2).",
        subcommands = {KvCommands.Get.class, KvCommands.Put.class, KvCommands.Patch.class, KvCommands.Delete.class,
            KvCommands.Undelete.class, KvCommands.Destroy.class, KvCommands.ListKeys.class, KvMetadataCommands.class})
final class KvCommands extends CommandGroup {

    /** Where a logical path lives: its mount, the rest of the path, and the engine's version. */
    record Location(String mount, String rest, int version) {
        String path(String segment) {
            return version == 2 ? mount + segment + "/" + rest : mount + rest;
        }
    }

    /** The options and the mount detection every kv command shares. */
    abstract static class KvCommand extends CliCommand {
        @Option(names = {"-mount", "--mount"}, paramLabel = "MOUNT",
                description = "The KV mount; PATH is then relative to it (else found from PATH).")
        String mount;

        Location locate(String path) {
            String p = GenericCommands.clean(path);
            if (mount != null) {
                String m = GenericCommands.clean(mount).replaceAll("/+$", "") + "/";
                JsonNode info = client().plain().read("sys/internal/ui/mounts/" + m);
                return new Location(m, p, version(info));
            }
            JsonNode info = client().plain().send("GET", "sys/internal/ui/mounts/" + p, null, Map.of()).body();
            String m = info == null ? "" : info.path("data").path("path").asText("");
            if (m.isEmpty() || !p.startsWith(m.replaceAll("/$", ""))) {
                return new Location("", p, 1); // unknown mount (or no right to ask): the path as it is, as v1
            }
            return new Location(m, p.length() > m.length() ? p.substring(m.length()) : "", version(info));
        }

        private static int version(JsonNode info) {
            return info != null && "2".equals(info.path("data").path("options").path("version").asText()) ? 2 : 1;
        }

        static void requireV2(Location l, String what) {
            if (l.version() != 2) {
                throw CliException.local(what + " not supported on KV Version 1");
            }
        }

        /** {@code == Secret Path ==} then the version's metadata, as {@code kv put} and {@code kv get} print them. */
        int printWritten(Location l, JsonNode secret) {
            Output out = output();
            if (!out.format().equals("table") || options.field != null || wrapped(secret)) {
                return out.secret(secret);
            }
            env.out().println("== Secret Path ==");
            env.out().println(l.path("data"));
            env.out().println();
            env.out().println("======= Metadata =======");
            out.table(List.of("Key", "Value"), Output.rows(secret));
            return 0;
        }
    }

    @Command(name = "get", description = "Reads a secret (its latest or -version).")
    static final class Get extends KvCommand {
        @Parameters(index = "0", paramLabel = "PATH", description = "The secret.")
        String path;

        @Option(names = {"-version", "--version"}, paramLabel = "N", description = "The version to read (KV v2).")
        Integer version;

        @Override
        int run() {
            doing("reading " + path);
            Location l = locate(path);
            String p = l.path("data") + (version != null && l.version() == 2 ? "?version=" + version : "");
            JsonNode secret = client().read(p);
            if (secret == null) {
                env.err().println("No value found at " + l.path("data"));
                return CliException.USAGE_OR_SERVER;
            }
            Output out = output();
            if (l.version() == 1 || wrapped(secret)) {
                return out.secret(secret);
            }
            JsonNode data = secret.path("data");
            if (options.field != null) {
                Map<String, JsonNode> rows = new LinkedHashMap<>();
                data.path("data").fields().forEachRemaining(e -> rows.put(e.getKey(), e.getValue()));
                return out.raw(rows, options.field);
            }
            if (!out.format().equals("table")) {
                return out.structured(secret);
            }
            out.printWarnings(secret);
            env.out().println("== Secret Path ==");
            env.out().println(l.path("data"));
            env.out().println();
            env.out().println("======= Metadata =======");
            Map<String, JsonNode> meta = new LinkedHashMap<>();
            data.path("metadata").fields().forEachRemaining(e -> meta.put(e.getKey(), e.getValue()));
            out.table(List.of("Key", "Value"), meta);
            env.out().println();
            env.out().println("====== Data ======");
            Map<String, JsonNode> rows = new LinkedHashMap<>();
            data.path("data").fields().forEachRemaining(e -> rows.put(e.getKey(), e.getValue()));
            out.table(List.of("Key", "Value"), rows);
            return 0;
        }
    }

    @Command(name = "put",
            description = "Writes a secret (a new version in KV v2) from K=V pairs, @FILE.json or -.")
    static final class Put extends KvCommand {
        @Parameters(index = "0", paramLabel = "PATH", description = "The secret.")
        String path;

        @Parameters(index = "1..*", paramLabel = "K=V", description = "The secret's data.")
        List<String> args;

        @Option(names = {"-cas", "--cas"}, paramLabel = "N",
                description = "Check-and-set: write only if the current version is N (0: only if none).")
        Integer cas;

        @Override
        int run() {
            doing("writing data to " + path);
            Map<String, Object> data = KeyValues.parse(args, env);
            if (data.isEmpty()) {
                throw CliException.usage("Must supply data");
            }
            Location l = locate(path);
            JsonNode secret = client().call("PUT", l.path("data"), l.version() == 2 ? v2Body(data, cas) : data);
            if (l.version() == 1) {
                return secretOr(secret, "Data written to: " + l.path("data"));
            }
            return printWritten(l, secret);
        }
    }

    @Command(name = "patch",
            description = "Merges K=V pairs into the latest version of a KV v2 secret (a new version).")
    static final class Patch extends KvCommand {
        @Parameters(index = "0", paramLabel = "PATH", description = "The secret.")
        String path;

        @Parameters(index = "1..*", paramLabel = "K=V", description = "The data to merge.")
        List<String> args;

        @Option(names = {"-cas", "--cas"}, paramLabel = "N", description = "Check-and-set version.")
        Integer cas;

        @Override
        int run() {
            doing("patching " + path);
            Map<String, Object> data = KeyValues.parse(args, env);
            if (data.isEmpty()) {
                throw CliException.usage("Must supply data");
            }
            Location l = locate(path);
            requireV2(l, "Patch");
            return printWritten(l, client().call("PATCH", l.path("data"), v2Body(data, cas)));
        }
    }

    /** A KV v2 write's body: the data, and the check-and-set version when one is given. */
    static Map<String, Object> v2Body(Map<String, Object> data, Integer cas) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("data", data);
        if (cas != null) {
            body.put("options", Map.of("cas", cas));
        }
        return body;
    }

    /** {@code -versions=1,2,3}. */
    static List<Integer> versions(String csv) {
        List<Integer> out = new ArrayList<>();
        if (csv != null) {
            for (String v : csv.split(",")) {
                try {
                    out.add(Integer.parseInt(v.trim()));
                } catch (NumberFormatException e) {
                    throw CliException.usage("-versions must be version numbers separated by commas, not \"" + csv + "\"");
                }
            }
        }
        return out;
    }

    @Command(name = "delete",
            description = "Deletes the latest version of a secret, or -versions (KV v2: recoverable with undelete).")
    static final class Delete extends KvCommand {
        @Parameters(index = "0", paramLabel = "PATH", description = "The secret.")
        String path;

        @Option(names = {"-versions", "--versions"}, paramLabel = "N,N", description = "The versions to delete.")
        String versions;

        @Override
        int run() {
            doing("deleting " + path);
            Location l = locate(path);
            if (versions != null) {
                requireV2(l, "Deleting versions");
                client().call("PUT", l.path("delete"), Map.of("versions", versions(versions)));
                success("Data deleted (if it existed) at: " + l.path("delete"));
                return 0;
            }
            client().call("DELETE", l.path("data"), null);
            success("Data deleted (if it existed) at: " + l.path("data"));
            return 0;
        }
    }

    /** {@code undelete} and {@code destroy}: a list of versions posted to the v2 path of that name. */
    abstract static class VersionsCommand extends KvCommand {
        @Parameters(index = "0", paramLabel = "PATH", description = "The secret.")
        String path;

        @Option(names = {"-versions", "--versions"}, paramLabel = "N,N", required = true, description = "The versions.")
        String versions;

        /** The v2 path segment, which is also the verb. */
        abstract String segment();

        @Override
        int run() {
            doing(segment().replace("delete", "deleting").replace("destroy", "destroying") + " " + path);
            Location l = locate(path);
            requireV2(l, Character.toUpperCase(segment().charAt(0)) + segment().substring(1));
            client().call("PUT", l.path(segment()), Map.of("versions", versions(versions)));
            success("Data written to: " + l.path(segment()));
            return 0;
        }
    }

    @Command(name = "undelete", description = "Restores deleted versions (KV v2).")
    static final class Undelete extends VersionsCommand {
        @Override
        String segment() {
            return "undelete";
        }
    }

    @Command(name = "destroy", description = "Destroys versions for good (KV v2): their data is removed, not recoverable.")
    static final class Destroy extends VersionsCommand {
        @Override
        String segment() {
            return "destroy";
        }
    }

    @Command(name = "list", description = "Lists the secrets below a path.")
    static final class ListKeys extends KvCommand {
        @Parameters(index = "0", paramLabel = "PATH", description = "The folder.")
        String path;

        @Override
        int run() {
            doing("listing " + path);
            Location l = locate(path);
            String p = l.path("metadata");
            JsonNode secret = client().read((p.endsWith("/") ? p : p + "/") + "?list=true");
            if (secret == null) {
                env.err().println("No value found at " + p);
                return CliException.USAGE_OR_SERVER;
            }
            return wrapped(secret) ? output().secret(secret) : output().list(secret);
        }
    }
}
