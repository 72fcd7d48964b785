package io.custos.agent;

import java.io.IOException;
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
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("token", token);
        s.put("tokenExpiry", tokenEnd == null ? 0 : tokenEnd.getEpochSecond());
        s.put("tokenRenewable", renewable);
        s.put("tokenTtl", ttl.toSeconds());
        s.put("secrets", secrets);
        AtomicFileWriter.write(file, Json.write(s), 0600, true, false);
    }

    @SuppressWarnings("unchecked")
    static Saved load(Path file) {
        try {
            if (file == null || !Files.isRegularFile(file)) {
                return null;
            }
            // numbers as their text, as when first fetched: the adopted secrets render the same bytes
            Object doc = Json.parse(Files.readAllBytes(file)).value();
            if (!(doc instanceof Map<?, ?> m) || !(m.get("token") instanceof String token)
                    || !(m.get("secrets") instanceof List<?> list)) {
                return null;
            }
            List<Map<String, Object>> secrets = new ArrayList<>();
            for (Object o : list) {
                if (o instanceof Map<?, ?> entry) {
                    secrets.add((Map<String, Object>) entry);
                }
            }
            return new Saved(token, number(m.get("tokenExpiry")), Boolean.TRUE.equals(m.get("tokenRenewable")),
                    number(m.get("tokenTtl")), secrets);
        } catch (IOException | RuntimeException e) {
            return null; // unreadable: start afresh
        }
    }

    private static long number(Object o) {
        return Json.number(o);
    }
}
