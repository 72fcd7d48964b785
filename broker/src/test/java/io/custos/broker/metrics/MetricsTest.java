package io.custos.broker.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.custos.broker.http.BrokerHttpTest;
import io.custos.testing.TestPostgres;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code sys/metrics}: a token with read on it needed by default; Prometheus text and Vault's JSON form. */
@MicronautTest(transactional = false)
class MetricsTest extends BrokerHttpTest {
    private String root;

    @Override
    protected Map<String, String> extraProperties() {
        return Map.of("custos.leases.poll-interval", "200ms", "custos.telemetry.cluster-counts-interval", "0s");
    }

    @BeforeAll
    void setUp() {
        root = initAndUnseal();
        call("POST", "sys/mounts/secret", root, "{\"type\":\"kv-v2\"}");
    }

    private HttpResponse<String> prometheus(String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getPort()
                + "/v1/sys/metrics?format=prometheus"));
        if (token != null) {
            b.header("X-Vault-Token", token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The value of one sample line ({@code name{labels} value}); fails if the series is absent. */
    private static double sample(String text, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " ([-+0-9.eE]+|NaN)$").matcher(text);
        assertTrue(m.find(), series + " not in:\n" + text);
        return Double.parseDouble(m.group(1));
    }

    @Test
    void aTokenWithReadOnSysMetricsIsNeededByDefault() throws Exception {
        assertEquals(403, prometheus(null).statusCode());
        call("PUT", "sys/policies/acl/scraper", root,
                "{\"policy\":\"path \\\"sys/metrics\\\" { capabilities = [\\\"read\\\"] }\"}");
        String scraper = call("POST", "auth/token/create", root, "{\"policies\":[\"scraper\"]}").json()
                .get("auth").get("client_token").asText();
        String other = call("POST", "auth/token/create", root, "{\"policies\":[\"default\"]}").json()
                .get("auth").get("client_token").asText();
        assertEquals(200, prometheus(scraper).statusCode());
        assertEquals(403, prometheus(other).statusCode());
    }

    @Test
    void requestsTokensBarrierCacheAndPoolAreReportedInPrometheusText() throws Exception {
        call("POST", "secret/data/m", root, "{\"data\":{\"k\":\"v\"}}");
        for (int i = 0; i < 3; i++) {
            call("GET", "secret/data/m", root, null);
        }
        call("GET", "secret/data/absent", root, null);
        String before = prometheus(root).body();
        for (int i = 0; i < 3; i++) {
            call("POST", "auth/token/create", root, "{\"policies\":[\"default\"]}");
        }
        HttpResponse<String> r = prometheus(root);
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"));
        String text = r.body();
        assertTrue(sample(text, "custos_request_seconds_count{mount_type=\"kv\",operation=\"read\"}") >= 4);
        assertTrue(sample(text, "custos_request_seconds_bucket{mount_type=\"kv\",operation=\"read\",le=\"10.0\"}") >= 4);
        assertTrue(sample(text, "custos_responses_total{status=\"404\"}") >= 1);
        assertTrue(sample(text, "custos_responses_total{status=\"200\"}") >= 4);
        assertEquals(sample(before, "custos_tokens_stored") + 3, sample(text, "custos_tokens_stored"),
                "tokens are counted in storage");
        assertTrue(sample(text, "custos_barrier_encryptions{term=\"1\"}") > 0);
        assertTrue(sample(text, "custos_storage_cache_hits_total") > 0);
        assertTrue(sample(text, "custos_storage_pool_connections{state=\"active\"}") >= 0);
        assertTrue(sample(text, "custos_storage_pool_max") > 0);
        assertEquals(1, sample(text, "custos_change_feed_listening"));
        assertEquals(0, sample(text, "custos_leases{state=\"irrevocable\"}"));
        assertTrue(sample(text, "custos_lease_expiry_overdue_seconds") >= 0);
        assertTrue(text.contains("jvm_memory_used_bytes{"), "JVM basics");
        assertTrue(text.contains("jvm_gc_"), "GC");
        assertTrue(!text.contains(root), "no token in the metrics");
    }

    /** A connection to {@code target} on a database mount ({@code extra}: more config fields) and a one-hour role on it. */
    private void connectionWithRole(TestPostgres.Database target, String mount, String connection, String extra,
            String role) {
        call("POST", mount + "/config/" + connection, root, "{\"plugin_name\":\"postgresql-database-plugin\","
                + "\"connection_url\":\"postgresql://{{username}}:{{password}}@" + target.host() + ":" + target.port()
                + "/" + target.name() + "?sslmode=disable\",\"username\":\"" + target.user() + "\",\"password\":\""
                + target.password() + "\",\"allowed_roles\":\"*\"" + extra + "}");
        call("POST", mount + "/roles/" + role, root, "{\"db_name\":\"" + connection + "\",\"creation_statements\":[\"CREATE ROLE "
                + "\\\"{{name}}\\\" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';\"],"
                + "\"default_ttl\":\"1h\"}");
    }

    @Test
    void aDynamicCredentialsLeaseIsCountedAndItsRevocationToo() throws Exception {
        TestPostgres.Database target = TestPostgres.shared().createDatabase();
        call("POST", "sys/mounts/database", root, "{\"type\":\"database\"}");
        connectionWithRole(target, "database", "app", "", "short");
        double revokedBefore = sample(prometheus(root).body(), "custos_lease_revocations_total");
        String lease = call("GET", "database/creds/short", root, null).json().get("lease_id").asText();
        assertEquals(1, sample(prometheus(root).body(), "custos_leases{state=\"active\"}"));
        assertEquals(204, call("PUT", "sys/leases/revoke", root, "{\"lease_id\":\"" + lease + "\"}").status());
        String text = prometheus(root).body();
        assertEquals(0, sample(text, "custos_leases{state=\"active\"}"));
        assertEquals(revokedBefore + 1, sample(text, "custos_lease_revocations_total"));
        assertTrue(text.contains("custos_lease_revocation_failures_total"));
    }

    @Test
    void aDatabaseEnginesPoolIsReportedByMountAndConnectionUntilItCloses() throws Exception {
        TestPostgres.Database target = TestPostgres.shared().createDatabase();
        call("POST", "sys/mounts/pools", root, "{\"type\":\"database\"}");
        assertTrue(!prometheus(root).body().contains("mount=\"pools/\""), "no pool before a connection is configured");
        connectionWithRole(target, "pools", "reports", ",\"max_open_connections\":3", "r");
        String lease = call("GET", "pools/creds/r", root, null).json().get("lease_id").asText();
        String text = prometheus(root).body();
        String labels = "connection=\"reports\",mount=\"pools/\"";
        assertEquals(3, sample(text, "custos_engine_pool_max{" + labels + "}"));
        double active = sample(text, "custos_engine_pool_connections{" + labels + ",state=\"active\"}");
        double idle = sample(text, "custos_engine_pool_connections{" + labels + ",state=\"idle\"}");
        assertTrue(active + idle >= 1 && active + idle <= 3, "open connections: " + active + " + " + idle);
        assertEquals(0, sample(text, "custos_engine_pool_connections{" + labels + ",state=\"pending\"}"));
        assertEquals(204, call("PUT", "sys/leases/revoke", root, "{\"lease_id\":\"" + lease + "\"}").status());
        assertEquals(204, call("DELETE", "pools/config/reports", root, null).status());
        assertTrue(!prometheus(root).body().contains(labels), "a closed pool is no longer reported");
        assertEquals(204, call("DELETE", "sys/mounts/pools", root, null).status());
    }

    @Test
    void theJsonFormIsVaultsAndAnUnknownFormatIsA400() {
        JsonNode json = call("GET", "sys/metrics", root, null).json();
        assertTrue(json.get("Gauges").isArray() && json.get("Counters").isArray() && json.get("Samples").isArray(),
                json.toString());
        assertTrue(json.get("Samples").toString().contains("custos.request"));
        Reply bad = call("GET", "sys/metrics?format=xml", root, null);
        assertEquals(400, bad.status());
        assertEquals("metric response format \"xml\" unknown", bad.error());
    }
}
