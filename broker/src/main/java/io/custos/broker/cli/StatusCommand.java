package io.custos.broker.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;

/** {@code status}: the seal state, as {@code vault status}: exit 0 unsealed, 2 sealed, 1 on an error. */
@Command(name = "status",
        description = "Prints the broker's seal status (exit 0 unsealed, 2 sealed, 1 when it cannot be read).")
final class StatusCommand extends CliCommand {

    @Override
    int run() {
        doing("checking seal status");
        CliClient c = options.client(env, null);
        JsonNode seal;
        try {
            seal = c.call("GET", "sys/seal-status", null);
        } catch (CliException e) {
            throw e.isAnswer() ? e : new CliException(CliException.LOCAL, e.getMessage());
        }
        JsonNode leader = seal.path("sealed").asBoolean() ? null : c.send("GET", "sys/leader", null, Map.of()).body();
        return print(this, seal, leader);
    }

    /** The seal status table (also what {@code operator unseal} prints); 2 while sealed. */
    static int print(CliCommand cmd, JsonNode seal, JsonNode leader) {
        Output out = cmd.output();
        int code = seal.path("sealed").asBoolean() ? CliException.USAGE_OR_SERVER : 0;
        if (!out.format().equals("table")) {
            out.structured(seal);
            return code;
        }
        Map<String, JsonNode> rows = new LinkedHashMap<>();
        boolean recovery = seal.path("recovery_seal").asBoolean();
        rows.put("Seal Type", seal.path("type"));
        if (recovery) {
            rows.put("Recovery Seal Type", Output.text("shamir"));
        }
        rows.put("Initialized", seal.path("initialized"));
        rows.put("Sealed", seal.path("sealed"));
        rows.put(recovery ? "Total Recovery Shares" : "Total Shares", seal.path("n"));
        rows.put("Threshold", seal.path("t"));
        if (seal.path("sealed").asBoolean()) {
            rows.put("Unseal Progress", Output.text(seal.path("progress").asInt() + "/" + seal.path("t").asInt()));
            rows.put("Unseal Nonce", Output.text(seal.path("nonce").asText()));
        }
        rows.put("Version", seal.path("version"));
        rows.put("Storage Type", seal.path("storage_type"));
        rows.put("HA Enabled", leader == null ? Output.text("false") : leader.path("ha_enabled"));
        out.table(List.of("Key", "Value"), rows);
        return code;
    }
}
