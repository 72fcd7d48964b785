package io.custos.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.custos.testing.TestPostgres;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code custos server -dev}: embedded storage, unsealed, KV v2 at secret/, and persistence with CUSTOS_STORAGE_URL. */
class DevModeIT {
    private final HttpClient http = HttpClient.newHttpClient();
    @TempDir
    Path dir;

    private JsonNode call(int port, String method, String path, String token, String body, int status) throws Exception {
        return new ApiClient(http, "http://127.0.0.1:" + port).call(method, path, token, body, status);
    }

    @Test
    void devServerStartsUnsealedWithKvAtSecretOnEmbeddedPostgres() throws Exception {
        int port = BrokerProcess.freePort();
        try (BrokerProcess dev = BrokerProcess.start(List.of("server", "-dev", "-dev-root-token-id=it-root",
                "-dev-listen-address=127.0.0.1:" + port), Map.of(), dir)) {
            String out = dev.awaitOutput("Root Token: it-root", Duration.ofSeconds(90));
            assertTrue(out.contains("Unseal Key: "), out);
            assertFalse(call(port, "GET", "sys/seal-status", null, null, 200).get("sealed").asBoolean());
            call(port, "POST", "secret/data/hello", "it-root", "{\"data\":{\"foo\":\"world\"}}", 200);
            assertEquals("world", call(port, "GET", "secret/data/hello", "it-root", null, 200)
                    .get("data").get("data").get("foo").asText());
            assertEquals("2", call(port, "GET", "sys/mounts", "it-root", null, 200)
                    .get("data").get("secret/").get("options").get("version").asText());
        }
    }

    /** The production jar leaves embedded PostgreSQL to the dev jar, and says so when asked for dev mode. */
    @Test
    void theProductionJarCarriesNoDatabaseBinariesAndPointsToTheDevJar() throws Exception {
        try (JarFile jar = new JarFile(System.getProperty("custos.jar"))) {
            List<String> embedded = jar.stream().map(JarEntry::getName)
                    .filter(n -> n.startsWith("io/zonky/") || n.endsWith(".txz")).toList();
            assertEquals(List.of(), embedded);
        }
        try (BrokerProcess prod = BrokerProcess.startProductionJar(List.of("server", "-dev",
                "-dev-listen-address=127.0.0.1:" + BrokerProcess.freePort()), Map.of(), dir)) {
            assertEquals(1, prod.awaitExit(Duration.ofSeconds(60)));
            assertTrue(prod.output().contains("this jar has no embedded PostgreSQL")
                    && prod.output().contains("./custos server -dev"), prod.output());
        }
    }

    @Test
    void devServerOnExternalStorageKeepsDataAcrossRestarts() throws Exception {
        TestPostgres.Database db = TestPostgres.shared().createDatabase();
        Map<String, String> env = Map.of("CUSTOS_STORAGE_URL", db.jdbcUrl(), "CUSTOS_STORAGE_USER", db.user(),
                "CUSTOS_STORAGE_PASSWORD", db.password(), "CUSTOS_DEV_DIR", dir.resolve("dev").toString(),
                "CUSTOS_DEV_ROOT_TOKEN_ID", "persist-root");
        int port = BrokerProcess.freePort();
        List<String> args = List.of("server", "-dev", "-dev-listen-address=127.0.0.1:" + port);
        try (BrokerProcess first = BrokerProcess.start(args, env, dir)) {
            first.awaitOutput("Root Token: persist-root", Duration.ofSeconds(90));
            call(port, "POST", "secret/data/kept", "persist-root", "{\"data\":{\"v\":\"survives\"}}", 200);
        }
        try (BrokerProcess second = BrokerProcess.start(args, env, dir)) {
            second.awaitOutput("Root Token: persist-root", Duration.ofSeconds(90));
            assertEquals("survives", call(port, "GET", "secret/data/kept", "persist-root", null, 200)
                    .get("data").get("data").get("v").asText());
        }
    }
}
