package io.custos.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.custos.testing.TestPostgres;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The static-key auto-seal in production mode: the key comes from a file, init returns no shares,
 * and a restarted server unseals itself. A wrong key leaves it sealed rather than serving.
 */
class AutoUnsealIT {
    @TempDir
    Path dir;

    @Test
    void serverUnsealsItselfFromAKeyFileAcrossRestarts() throws Exception {
        TestPostgres.Database db = TestPostgres.shared().createDatabase();
        TestTls tls = new TestTls(dir);
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        Path keyFile = dir.resolve("seal.key");
        Files.writeString(keyFile, Base64.getEncoder().encodeToString(key));
        int port = BrokerProcess.freePort();
        Path config = dir.resolve("custos.yml");
        Files.writeString(config, String.join("\n", "custos:", "  listener:", "    port: " + port,
                "    tls-cert-file: " + tls.certFile, "    tls-key-file: " + tls.keyFile,
                "  seal:", "    type: static", "    key-file: " + keyFile, ""));
        Map<String, String> env = Map.of("CUSTOS_STORAGE_URL", db.jdbcUrl(), "CUSTOS_STORAGE_USER", db.user(),
                "CUSTOS_STORAGE_PASSWORD", db.password());
        ApiClient api = new ApiClient(HttpClient.newBuilder().sslContext(tls.trustingContext("TLSv1.3")).build(),
                "https://localhost:" + port);
        String token;
        try (BrokerProcess broker = BrokerProcess.start(List.of("server", "-config=" + config), env, dir)) {
            broker.awaitOutput("Startup completed", Duration.ofSeconds(60));
            JsonNode init = api.call("PUT", "sys/init", null, "{}", 200);
            assertEquals(0, init.get("keys").size());
            token = init.get("root_token").asText();
            assertEquals("static", api.call("GET", "sys/seal-status", null, null, 200).get("type").asText());
            api.call("POST", "sys/mounts/secret", token, "{\"type\":\"kv-v2\"}", 204);
            api.call("POST", "secret/data/auto", token, "{\"data\":{\"v\":\"unsealed\"}}", 200);
        }
        try (BrokerProcess broker = BrokerProcess.start(List.of("server", "-config=" + config), env, dir)) {
            String out = broker.awaitOutput("Startup completed", Duration.ofSeconds(60));
            assertTrue(out.contains("unsealed with the configured auto-seal"), out);
            assertFalse(api.call("GET", "sys/seal-status", null, null, 200).get("sealed").asBoolean());
            assertEquals("unsealed", api.call("GET", "secret/data/auto", token, null, 200)
                    .get("data").get("data").get("v").asText());
        }
        Files.writeString(keyFile, Base64.getEncoder().encodeToString(new byte[32]));
        try (BrokerProcess broker = BrokerProcess.start(List.of("server", "-config=" + config), env, dir)) {
            String out = broker.awaitOutput("Startup completed", Duration.ofSeconds(60));
            assertTrue(api.call("GET", "sys/seal-status", null, null, 200).get("sealed").asBoolean(), out);
            api.call("GET", "secret/data/auto", token, null, 503);
        }
    }
}
