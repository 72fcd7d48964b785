package io.custos.agent;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The init→sidecar hand-off: an agent run with {@code exit_after_auth} leaves its token and the
 * secrets it rendered (with their leases) in a file of mode 0600 beside its token sink; the next
 * agent pointed at the same file adopts them — renews those leases and keeps the files — instead
 * of minting a second set of credentials. One database user per pod, not two.
 */
final class AgentState {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What is handed over. */
    record Saved(String token, long tokenExpiry, boolean tokenRenewable, long tokenTtl, List<Map<String, Object>> secrets) {
        @Override
        public String toString() {
            return "Saved[token redacted, " + secrets.size() + " secrets]";
        }
    }

    private AgentState() {
    }

    /** Where the state goes: {@code state_file}, else beside the first sink, else nowhere. */
    static Path location(AgentConfig config) {
        if (config.stateFile() != null && !config.stateFile().isEmpty()) {
            return Path.of(config.stateFile());
        }
        if (config.autoAuth() != null && !config.autoAuth().sinks().isEmpty()) {
            Path sink = Path.of(config.autoAuth().sinks().get(0).path()).toAbsolutePath();
            return sink.resolveSibling(".custos-agent-state.json");
        }
        return null;
    }

    static void save(Path file, String token, Instant tokenEnd, boolean renewable, Duration ttl,
            Iterable<SecretCache.Entry> entries) throws IOException {
        List<Map<String, Object>> secrets = new ArrayList<>();
        for (SecretCache.Entry e : entries) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("key", e.key);
            m.put("kind", e.kind.name());
            m.put("path", e.path);
            m.put("data", e.data);
            m.put("value", e.value);
            m.put("lease_id", e.leaseId);
            m.put("lease_duration", e.leaseDuration.toSeconds());
            m.put("renewable", e.renewable);
            m.put("lease_end", e.leaseEnd == null ? 0 : e.leaseEnd.getEpochSecond());
            secrets.add(m);
        }
        Saved s = new Saved(token, tokenEnd == null ? 0 : tokenEnd.getEpochSecond(), renewable, ttl.toSeconds(), secrets);
        AtomicFileWriter.write(file, JSON.writeValueAsBytes(s), 0600, true, false);
    }

    static Saved load(Path file) {
        try {
            if (file == null || !Files.isRegularFile(file)) {
                return null;
            }
            return JSON.readValue(Files.readString(file, StandardCharsets.UTF_8), Saved.class);
        } catch (IOException e) {
            return null; // unreadable: start afresh
        }
    }
}
