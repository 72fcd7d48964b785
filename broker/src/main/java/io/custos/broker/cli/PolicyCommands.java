package io.custos.broker.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.custos.broker.policy.PolicyFormatter;
import io.custos.broker.policy.PolicyParser;
import io.custos.engine.sdk.EngineException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code policy read|write|list|delete|fmt}: ACL policies ({@code sys/policies/acl}). */
@Command(name = "policy", description = "ACL policies: read, write, list, delete, fmt.",
        subcommands = {PolicyCommands.Read.class, PolicyCommands.Write.class, PolicyCommands.ListPolicies.class,
            PolicyCommands.Delete.class, PolicyCommands.Fmt.class})
final class PolicyCommands extends CommandGroup {

    @Command(name = "read", description = "Prints the policy NAME's text.")
    static final class Read extends CliCommand {
        @Parameters(index = "0", paramLabel = "NAME", description = "The policy.")
        String name;

        @Override
        int run() {
            doing("reading policy named " + name);
            JsonNode secret = client().read("sys/policies/acl/" + name);
            if (secret == null) {
                env.err().println("No policy named: " + name);
                return CliException.USAGE_OR_SERVER;
            }
            Output out = output();
            if (!out.format().equals("table") || options.field != null) {
                return out.secret(secret);
            }
            env.out().println(secret.path("data").path("policy").asText().stripTrailing());
            return 0;
        }
    }

    @Command(name = "write",
            description = "Uploads the policy NAME from FILE (- for standard input), HCL or JSON.")
    static final class Write extends CliCommand {
        @Parameters(index = "0", paramLabel = "NAME", description = "The policy.")
        String name;

        @Parameters(index = "1", paramLabel = "FILE", description = "The policy text, or - for standard input.")
        String file;

        @Override
        int run() {
            doing("uploading policy");
            String text = KeyValues.read(env, file);
            client().call("PUT", "sys/policies/acl/" + name, Map.of("policy", text));
            success("Uploaded policy: " + name);
            return 0;
        }
    }

    @Command(name = "list", description = "Lists the ACL policies.")
    static final class ListPolicies extends CliCommand {
        @Override
        int run() {
            doing("listing policies");
            JsonNode secret = client().read("sys/policies/acl?list=true");
            Output out = output();
            if (!out.format().equals("table")) {
                return out.structured(secret.path("data").path("keys"));
            }
            secret.path("data").path("keys").forEach(k -> env.out().println(k.asText()));
            return 0;
        }
    }

    @Command(name = "delete", description = "Deletes the policy NAME.")
    static final class Delete extends CliCommand {
        @Parameters(index = "0", paramLabel = "NAME", description = "The policy.")
        String name;

        @Override
        int run() {
            doing("deleting " + name);
            client().call("DELETE", "sys/policies/acl/" + name, null);
            success("Deleted policy: " + name);
            return 0;
        }
    }

    @Command(name = "fmt",
            description = "Checks the HCL policy in FILE and rewrites it in the canonical layout (no broker needed).")
    static final class Fmt extends CliCommand {
        @Parameters(index = "0", paramLabel = "FILE", description = "The policy file, rewritten in place.")
        Path file;

        @Override
        int run() {
            doing("formatting policy");
            String text;
            try {
                text = Files.readString(file);
            } catch (IOException e) {
                throw CliException.local("cannot read " + file + ": " + e.getMessage());
            }
            try {
                PolicyParser.parse("fmt", text);
            } catch (EngineException e) {
                throw CliException.usage("failed to parse policy: " + e.getMessage());
            }
            try {
                Files.writeString(file, PolicyFormatter.format(text));
            } catch (IOException e) {
                throw CliException.local("cannot write " + file + ": " + e.getMessage());
            }
            success("Formatted policy: " + file);
            return 0;
        }
    }
}
