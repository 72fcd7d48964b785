package io.custos.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.custos.testing.TestPostgres;
import java.io.ByteArrayInputStream;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three broker processes on one PostgreSQL, the storage cache on (the default): what one node
 * changes, the others follow through the change feed (LISTEN/NOTIFY), and what
 * must happen once happens once across all of them. Each reproduction of issue 14 is a test.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SeveralBrokersIT {
    private static final String ROOT = DatabaseTarget.ROOT;
    /** A bound for "the other nodes follow", not a latency target: that is measured (bench/invalidation.sh, docs/benchmarks.md). */
    private static final Duration FOLLOW = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    private final List<BrokerProcess> processes = new ArrayList<>();
    private final List<ApiClient> nodes = new ArrayList<>();
    private TestPostgres.Database storage;

    @BeforeAll
    void startThreeBrokers() throws Exception {
        storage = TestPostgres.shared().createDatabase();
        Map<String, String> env = DatabaseTarget.env(storage, dir.resolve("dev"), Map.of());
        for (int i = 0; i < 3; i++) {
            int port = BrokerProcess.freePort();
            processes.add(DatabaseTarget.start(port, env, dir)); // the first initialises, the others unseal
            nodes.add(new ApiClient(HttpClient.newHttpClient(), "http://127.0.0.1:" + port));
        }
        nodes.get(0).call("POST", "sys/mounts/secret2", ROOT, "{\"type\":\"kv\",\"options\":{\"version\":\"2\"}}", 204);
    }

    @AfterAll
    void stop() throws Exception {
        for (BrokerProcess p : processes) {
            p.close();
        }
    }

    private ApiClient a() {
        return nodes.get(0);
    }

    private String token(ApiClient on, String body) throws Exception {
        return on.call("POST", "auth/token/create", ROOT, body, 200).get("auth").get("client_token").asText();
    }

    private int status(ApiClient on, String method, String path, String token, String body) throws Exception {
        return on.send(method, path, token, body).statusCode();
    }

    /** Polls {@code check} on a node until it holds; fails unless it held within {@link #FOLLOW}. */
    private void follows(String what, DatabaseTarget.Check check) throws Exception {
        long start = System.nanoTime();
        while (System.nanoTime() - start < FOLLOW.toNanos()) {
            if (check.holds()) {
                return;
            }
            Thread.sleep(10);
        }
        assertTrue(check.holds(), what + " was not seen within " + FOLLOW);
    }

    @Test
    void aTokenRevokedOnOneNodeIsRefusedByTheOthers() throws Exception {
        String t = token(a(), "{\"policies\":[\"default\"],\"ttl\":\"1h\"}");
        for (ApiClient n : nodes) {
            assertEquals(200, status(n, "GET", "auth/token/lookup-self", t, null)); // cached everywhere
        }
        a().call("POST", "auth/token/revoke", ROOT, "{\"token\":\"" + t + "\"}", 204);
        for (ApiClient n : nodes.subList(1, 3)) {
            follows("the revocation", () -> status(n, "GET", "auth/token/lookup-self", t, null) == 403);
            assertEquals(403, status(n, "POST", "auth/token/create", t, "{}"), "no new tokens from a revoked one");
        }
    }

    @Test
    void aPolicyChangedOrDeletedOnOneNodeAppliesOnTheOthers() throws Exception {
        a().call("PUT", "sys/policies/acl/several", ROOT,
                "{\"policy\":\"path \\\"secret2/data/shared\\\" { capabilities = [\\\"read\\\"] }\"}", 204);
        a().call("POST", "secret2/data/shared", ROOT, "{\"data\":{\"v\":\"1\"}}", 200);
        String t = token(a(), "{\"policies\":[\"several\"]}");
        for (ApiClient n : nodes) {
            assertEquals(200, status(n, "GET", "secret2/data/shared", t, null));
        }
        a().call("PUT", "sys/policies/acl/several", ROOT,
                "{\"policy\":\"path \\\"secret2/data/shared\\\" { capabilities = [\\\"deny\\\"] }\"}", 204);
        for (ApiClient n : nodes.subList(1, 3)) {
            follows("the deny", () -> status(n, "GET", "secret2/data/shared", t, null) == 403);
        }
        a().call("DELETE", "sys/policies/acl/several", ROOT, null, 204);
        for (ApiClient n : nodes) {
            assertEquals(403, status(n, "GET", "secret2/data/shared", t, null));
        }
    }

    @Test
    void aMountEnabledOnOneNodeServesOnTheOthers() throws Exception {
        a().call("POST", "sys/auth/approle-several", ROOT, "{\"type\":\"approle\"}", 204);
        ApiClient b = nodes.get(1);
        follows("the new auth method", () -> status(b, "POST", "auth/approle-several/role/web", ROOT,
                "{\"token_policies\":\"default\"}") == 204);
        String roleId = nodes.get(2).call("GET", "auth/approle-several/role/web/role-id", ROOT, null, 200)
                .get("data").get("role_id").asText();
        assertEquals(36, roleId.length());
        a().call("DELETE", "sys/auth/approle-several", ROOT, null, 204);
        follows("the removal", () -> status(b, "GET", "auth/approle-several/role/web/role-id", ROOT,
                null) == 404);
    }

    @Test
    void anAuditDeviceEnabledOnOneNodeRecordsOnEveryNodeUntilDisabledOnAnother() throws Exception {
        a().call("PUT", "sys/audit/everywhere", ROOT, "{\"type\":\"file\",\"options\":{\"file_path\":\"stdout\"}}", 204);
        for (int i = 0; i < 3; i++) {
            ApiClient n = nodes.get(i);
            BrokerProcess p = processes.get(i);
            String marker = "secret2/data/audit-on-" + i;
            follows("the device on node " + i, () -> {
                n.send("GET", marker, ROOT, null);
                return p.output().contains("\"path\":\"" + marker + "\"");
            });
        }
        nodes.get(1).call("DELETE", "sys/audit/everywhere", ROOT, null, 204);
        ApiClient c = nodes.get(2);
        follows("the removal", () -> !c.call("GET", "sys/audit", ROOT, null, 200).get("data")
                .has("everywhere/"));
        c.send("GET", "secret2/data/audit-after", ROOT, null);
        assertTrue(!processes.get(2).output().contains("secret2/data/audit-after"), "a disabled device writes no more");
    }

    @Test
    void aSecretWrittenOnOneNodeIsReadOnTheOthers() throws Exception {
        a().call("POST", "secret2/data/cached", ROOT, "{\"data\":{\"v\":\"old\"}}", 200);
        for (ApiClient n : nodes) {
            assertEquals("old", n.call("GET", "secret2/data/cached", ROOT, null, 200).get("data").get("data")
                    .get("v").asText());
        }
        nodes.get(2).call("POST", "secret2/data/cached", ROOT, "{\"data\":{\"v\":\"new\"}}", 200);
        for (ApiClient n : nodes.subList(0, 2)) {
            follows("the new version", () -> "new".equals(n.call("GET", "secret2/data/cached", ROOT, null,
                    200).get("data").get("data").get("v").asText()));
        }
    }

    @Test
    void aTokenRenewedOnOneNodeOutlivesItsOldExpiryOnTheOthers() throws Exception {
        String t = token(a(), "{\"policies\":[\"default\"],\"ttl\":\"3s\"}");
        ApiClient b = nodes.get(1);
        assertEquals(200, status(b, "GET", "auth/token/lookup-self", t, null)); // cached on B with the 3 s expiry
        a().call("POST", "auth/token/renew-self", t, "{\"increment\":\"1h\"}", 200);
        Thread.sleep(4_000); // past the old expiry (the point: B must not delete the renewed token for everyone)
        assertEquals(200, status(b, "GET", "auth/token/lookup-self", t, null));
        assertEquals(200, status(a(), "GET", "auth/token/lookup-self", t, null));
    }

    @Test
    void aTokenWithThreeUsesIsUsedThreeTimesAcrossTheNodes() throws Exception {
        String t = token(a(), "{\"policies\":[\"default\"],\"num_uses\":3}");
        List<Integer> codes = race(20, i -> status(nodes.get(i % 3), "GET", "auth/token/lookup-self", t, null));
        assertEquals(3, codes.stream().filter(c -> c == 200).count(), codes.toString());
        assertEquals(17, codes.stream().filter(c -> c == 403).count(), codes.toString());
    }

    @Test
    void aWrappedResponseIsUnwrappedOnceAcrossTheNodes() throws Exception {
        for (int round = 0; round < 3; round++) {
            HttpResponse<String> wrapped = a().send("POST", "sys/wrapping/wrap", ROOT, "{\"secret\":\"once\"}", "60s");
            assertEquals(200, wrapped.statusCode(), wrapped.body());
            String wt = JSON.readTree(wrapped.body()).get("wrap_info").get("token").asText();
            List<Integer> codes = race(9, i -> status(nodes.get(i % 3), "POST", "sys/wrapping/unwrap", ROOT,
                    "{\"token\":\"" + wt + "\"}"));
            assertEquals(1, codes.stream().filter(c -> c == 200).count(), codes.toString());
        }
    }

    @Test
    void aSecretIdWithTwoUsesLogsInTwiceAcrossTheNodes() throws Exception {
        a().call("POST", "sys/auth/approle-uses", ROOT, "{\"type\":\"approle\"}", 204);
        a().call("POST", "auth/approle-uses/role/twice", ROOT, "{\"secret_id_num_uses\":2,\"token_policies\":\"default\"}",
                204);
        String roleId = a().call("GET", "auth/approle-uses/role/twice/role-id", ROOT, null, 200).get("data")
                .get("role_id").asText();
        String secretId = a().call("POST", "auth/approle-uses/role/twice/secret-id", ROOT, "{}", 200).get("data")
                .get("secret_id").asText();
        String login = "{\"role_id\":\"" + roleId + "\",\"secret_id\":\"" + secretId + "\"}";
        for (ApiClient n : nodes) { // every node knows the method before the race starts
            follows("the method", () -> status(n, "GET", "auth/approle-uses/role/twice/role-id", ROOT,
                    null) == 200);
        }
        List<Integer> codes = race(12, i -> status(nodes.get(i % 3), "POST", "auth/approle-uses/login", null, login));
        assertEquals(2, codes.stream().filter(c -> c == 200).count(), codes.toString());
    }

    @Test
    void aCrlListsEveryRevocationMadeOnAnyNode() throws Exception {
        a().call("POST", "sys/mounts/pki-several", ROOT, "{\"type\":\"pki\"}", 204);
        a().call("POST", "pki-several/root/generate/internal", ROOT, "{\"common_name\":\"Several CA\",\"key_type\":\"ec\"}",
                200);
        a().call("POST", "pki-several/roles/svc", ROOT, "{\"allowed_domains\":\"example.org\",\"allow_subdomains\":true,"
                + "\"key_type\":\"ec\"}", 200);
        List<String> serials = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            serials.add(a().call("POST", "pki-several/issue/svc", ROOT, "{\"common_name\":\"s" + i + ".example.org\"}",
                    200).get("data").get("serial_number").asText());
        }
        for (ApiClient n : nodes) {
            follows("the mount", () -> status(n, "GET", "pki-several/ca/pem", null, null) == 200);
        }
        List<Integer> codes = race(9, i -> status(nodes.get(i % 3), "POST", "pki-several/revoke", ROOT,
                "{\"serial_number\":\"" + serials.get(i) + "\"}"));
        assertEquals(List.of(200, 200, 200, 200, 200, 200, 200, 200, 200), codes);
        for (ApiClient n : nodes) {
            String crl = n.send("GET", "pki-several/cert/crl", null, null).body();
            String listed = JSON.readTree(crl).get("data").get("certificate").asText();
            X509CRL parsed = (X509CRL) CertificateFactory.getInstance("X.509")
                    .generateCRL(new ByteArrayInputStream(listed.getBytes(StandardCharsets.US_ASCII)));
            assertEquals(9, parsed.getRevokedCertificates().size(), "every revocation, on every node");
        }
    }

    @Test
    void sixteenCheckAndSetWritersOverThreeNodesHaveOneWinnerPerVersion() throws Exception {
        a().call("POST", "secret2/data/cas", ROOT, "{\"data\":{\"w\":\"start\"}}", 200);
        for (int round = 1; round <= 5; round++) {
            int version = round; // the version every writer believes is current
            List<Integer> codes = race(16, i -> status(nodes.get(i % 3), "POST", "secret2/data/cas", ROOT,
                    "{\"options\":{\"cas\":" + version + "},\"data\":{\"w\":\"" + i + "\"}}"));
            assertEquals(1, codes.stream().filter(c -> c == 200).count(), "round " + round + ": " + codes);
            assertEquals(round + 1, a().call("GET", "secret2/metadata/cas", ROOT, null, 200).get("data")
                    .get("current_version").asInt());
        }
    }

    /**
     * A node whose change feed is cut (its LISTEN connection terminated) must not serve what it
     * cached: a change made elsewhere while it reconnects is read from storage, not from memory.
     */
    @Test
    void aNodeThatLosesItsChangeFeedDoesNotServeFromItsCache() throws Exception {
        a().call("POST", "secret2/data/feed", ROOT, "{\"data\":{\"v\":\"cached\"}}", 200);
        ApiClient b = nodes.get(1);
        follows("the value", () -> b.call("GET", "secret2/data/feed", ROOT, null, 200).get("data")
                .get("data").get("v").asText().equals("cached"));
        try (Connection c = storage.connect(); Statement st = c.createStatement()) {
            st.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    + "WHERE application_name = 'custos-change-feed'");
            // while the feeds are down, a change that no NOTIFY will ever tell them about
            st.execute("ALTER TABLE custos_entries DISABLE TRIGGER custos_entries_changed");
        }
        try {
            a().call("POST", "secret2/data/feed", ROOT, "{\"data\":{\"v\":\"unannounced\"}}", 200);
        } finally {
            try (Connection c = storage.connect(); Statement st = c.createStatement()) {
                st.execute("ALTER TABLE custos_entries ENABLE TRIGGER custos_entries_changed");
            }
        }
        for (ApiClient n : nodes) {
            assertEquals("unannounced", n.call("GET", "secret2/data/feed", ROOT, null, 200).get("data").get("data")
                    .get("v").asText(), "a node served a stale copy after losing its feed");
        }
    }

    @Test
    void everyNodeReportsItselfActive() throws Exception {
        for (ApiClient n : nodes) {
            JsonNode health = n.call("GET", "sys/health", null, null, 200);
            assertEquals(false, health.get("standby").asBoolean());
            assertEquals(false, health.get("sealed").asBoolean());
            JsonNode leader = n.call("GET", "sys/leader", null, null, 200);
            assertEquals(false, leader.get("performance_standby").asBoolean());
        }
    }

    /**
     * As Terraform applies mounts in parallel through a load balancer: twelve mounts made at once
     * over the three nodes are all kept and served everywhere, and one path asked of every node at
     * once is mounted once (each change is a compare-and-put on the stored table).
     */
    @Test
    void mountsMadeAtOnceOnEveryNodeAreAllKeptAndOnePathIsMountedOnce() throws Exception {
        List<Integer> made = race(12, i -> status(nodes.get(i % 3), "POST", "sys/mounts/par-" + i, ROOT,
                "{\"type\":\"kv\",\"options\":{\"version\":\"2\"}}"));
        assertEquals(Collections.nCopies(12, 204), made);
        for (ApiClient n : nodes) {
            follows("the twelve mounts", () -> {
                JsonNode mounts = n.call("GET", "sys/mounts", ROOT, null, 200).get("data");
                return IntStream.range(0, 12).allMatch(i -> mounts.has("par-" + i + "/"));
            });
        }
        List<Integer> once = race(6, i -> status(nodes.get(i % 3), "POST", "sys/mounts/once", ROOT,
                "{\"type\":\"kv\"}"));
        assertEquals(1, once.stream().filter(c -> c == 204).count(), once.toString());
        assertEquals(5, once.stream().filter(c -> c == 400).count(), once.toString());
    }

    /** {@code n} calls at once (call {@code i} gets {@code i}); their status codes. */
    private static List<Integer> race(int n, Indexed call) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<Integer>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int k = i;
                futures.add(pool.submit((Callable<Integer>) () -> call.status(k)));
            }
            List<Integer> out = new ArrayList<>();
            for (Future<Integer> f : futures) {
                out.add(f.get());
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    @FunctionalInterface
    private interface Indexed {
        int status(int i) throws Exception;
    }
}
