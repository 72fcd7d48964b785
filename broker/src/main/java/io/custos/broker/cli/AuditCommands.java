package io.custos.broker.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code audit enable|disable|list} ({@code sys/audit}); {@code audit verify} is the launcher's. */
final class AuditCommands {
    private AuditCommands() {
    }

    @Command(name = "enable",
            description = {"Enables an audit device of TYPE (file) at -path (default: TYPE) with K=V options,",
                    "e.g. file_path=/var/log/custos/audit.log (or stdout), mode=0600, hmac_accessor=false."})
    static final class Enable extends CliCommand {
        @Parameters(index = "0", paramLabel = "TYPE", description = "The device type.")
        String type;

        @Parameters(index = "1..*", paramLabel = "K=V", description = "The device's options.")
        List<String> args;

        @Option(names = {"-path", "--path"}, paramLabel = "PATH", description = "The device's name.")
        String path;

        @Option(names = {"-description", "--description"}, paramLabel = "TEXT", description = "A description.")
        String description;

        @Override
        int run() {
            String at = MountCommands.slash(path != null ? path : type);
            doing("enabling audit device");
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("type", type);
            body.put("description", description == null ? "" : description);
            body.put("options", KeyValues.parse(args, env));
            client().call("PUT", "sys/audit/" + at, body);
            success("Enabled the " + type + " audit device at: " + at);
            return 0;
        }
    }

    @Command(name = "disable", description = "Disables the audit device at PATH.")
    static final class Disable extends CliCommand {
        @Parameters(index = "0", paramLabel = "PATH", description = "The device's name.")
        String path;

        @Override
        int run() {
            doing("disabling audit device");
            client().call("DELETE", "sys/audit/" + MountCommands.slash(path), null);
            success("Disabled audit device (if it was enabled) at: " + MountCommands.slash(path));
            return 0;
        }
    }

    @Command(name = "list", description = "Lists the audit devices.")
    static final class ListDevices extends CliCommand {
        @Option(names = {"-detailed", "--detailed"}, description = "Also each device's options.")
        boolean detailed;

        @Override
        int run() {
            doing("retrieving audit devices");
            var answer = client().call("GET", "sys/audit", null);
            var data = answer.has("data") ? answer.get("data") : answer;
            if (data.isEmpty() && output().format().equals("table")) {
                env.out().println("No audit devices are enabled.");
                return 2;
            }
            return detailed ? output().objects(data, List.of("Path", "Type", "Description", "Options"),
                    List.of("type", "description", "options"))
                    : output().objects(data, List.of("Path", "Type", "Description"), List.of("type", "description"));
        }
    }
}
