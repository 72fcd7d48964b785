package io.custos.broker.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code operator init|unseal|seal|rotate|key-status} (and {@code generate-root}, {@code rekey}: {@link QuorumCommands}). */
@Command(name = "operator",
        description = "Operators' work: init, unseal, seal, rotate, key-status, generate-root, rekey.",
        subcommands = {OperatorCommands.Init.class, OperatorCommands.Unseal.class, OperatorCommands.Seal.class,
            OperatorCommands.Rotate.class, OperatorCommands.KeyStatus.class, QuorumCommands.GenerateRoot.class,
            QuorumCommands.Rekey.class})
final class OperatorCommands extends CommandGroup {

    @Command(name = "init",
            description = "Initialises the broker: prints the unseal key shares (or recovery key shares) and the root token.")
    static final class Init extends CliCommand {
        @Option(names = {"-key-shares", "--key-shares"}, defaultValue = "5", description = "Unseal key shares (${DEFAULT-VALUE}).")
        int shares;

        @Option(names = {"-key-threshold", "--key-threshold"}, defaultValue = "3",
                description = "Shares needed to unseal (${DEFAULT-VALUE}).")
        int threshold;

        @Option(names = {"-recovery-shares", "--recovery-shares"}, defaultValue = "5",
                description = "Auto-seal: recovery key shares (${DEFAULT-VALUE}).")
        int recoveryShares;

        @Option(names = {"-recovery-threshold", "--recovery-threshold"}, defaultValue = "3",
                description = "Auto-seal: recovery shares needed (${DEFAULT-VALUE}).")
        int recoveryThreshold;

        @Option(names = {"-status", "--status"}, description = "Only report whether it is initialised (exit 0 yes, 2 no).")
        boolean status;

        @Override
        int run() {
            doing("initializing");
            CliClient c = options.client(env, null);
            if (status) {
                boolean done = c.call("GET", "sys/init", null).path("initialized").asBoolean();
                env.out().println(done ? "Custos is initialized" : "Custos is not initialized");
                return done ? 0 : CliException.USAGE_OR_SERVER;
            }
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("secret_shares", shares);
            body.put("secret_threshold", threshold);
            body.put("recovery_shares", recoveryShares);
            body.put("recovery_threshold", recoveryThreshold);
            JsonNode r = c.call("PUT", "sys/init", body);
            Output out = output();
            if (!out.format().equals("table")) {
                return out.structured(r);
            }
            int i = 1;
            for (JsonNode k : r.path("keys_base64")) {
                env.out().println("Unseal Key " + i++ + ": " + k.asText());
            }
            i = 1;
            for (JsonNode k : r.path("recovery_keys_base64")) {
                env.out().println("Recovery Key " + i++ + ": " + k.asText());
            }
            env.out().println();
            env.out().println("Initial Root Token: " + r.path("root_token").asText());
            env.out().println();
            boolean recovery = !r.path("recovery_keys_base64").isEmpty();
            env.out().println(recovery ? "Custos initialized with " + recoveryShares + " recovery key shares and a key "
                    + "threshold of " + recoveryThreshold + "." : r.path("keys_base64").isEmpty()
                    ? "Custos initialized with its auto-seal and no recovery keys."
                    : "Custos initialized with " + shares + " key shares and a key threshold of " + threshold
                            + ". Please securely distribute the key shares printed above.");
            return 0;
        }
    }

    @Command(name = "unseal",
            description = "Submits one unseal key share (KEY, or read from the terminal or standard input).")
    static final class Unseal extends CliCommand {
        @Parameters(index = "0", arity = "0..1", paramLabel = "KEY", description = "The share (hex or base64).")
        String key;

        @Option(names = {"-reset", "--reset"}, description = "Discard the shares submitted so far.")
        boolean reset;

        @Override
        int run() {
            doing("unsealing");
            CliClient c = options.client(env, null);
            Map<String, Object> body = new LinkedHashMap<>();
            if (reset) {
                body.put("reset", true);
            } else {
                body.put("key", key != null ? key : Prompt.secret(env, "Unseal Key (will be hidden): "));
            }
            JsonNode status = c.call("PUT", "sys/unseal", body);
            StatusCommand.print(this, status, null);
            return 0; // as Vault's: the share was taken, sealed or not (status tells which)
        }
    }

    @Command(name = "seal", description = "Seals the broker: every key leaves its memory.")
    static final class Seal extends CliCommand {
        @Override
        int run() {
            doing("sealing");
            client().call("PUT", "sys/seal", null);
            success("Custos is sealed.");
            return 0;
        }
    }

    @Command(name = "rotate",
            description = "Adds a keyring term: new data is encrypted under it; older data keys are re-wrapped.")
    static final class Rotate extends CliCommand {
        @Override
        int run() {
            doing("rotating key");
            client().call("PUT", "sys/rotate", null);
            JsonNode s = client().call("GET", "sys/key-status", null);
            JsonNode d = s.has("data") && s.get("data").isObject() ? s.get("data") : s;
            env.out().println("Success! Rotated key");
            env.out().println();
            printKeyStatus(this, d);
            return 0;
        }
    }

    static void printKeyStatus(CliCommand c, JsonNode d) {
        Map<String, JsonNode> rows = new LinkedHashMap<>();
        rows.put("Key Term", d.path("term"));
        rows.put("Install Time", d.path("install_time"));
        rows.put("Encryption Count", d.path("encryptions"));
        c.output().table(List.of("Key", "Value"), rows);
    }

    @Command(name = "key-status", description = "Prints the active keyring term.")
    static final class KeyStatus extends CliCommand {
        @Override
        int run() {
            doing("reading key status");
            JsonNode s = client().call("GET", "sys/key-status", null);
            JsonNode d = s.has("data") && s.get("data").isObject() ? s.get("data") : s;
            if (!output().format().equals("table")) {
                return output().structured(d);
            }
            printKeyStatus(this, d);
            return 0;
        }
    }
}
