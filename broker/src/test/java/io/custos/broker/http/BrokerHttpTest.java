package io.custos.broker.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.custos.engine.sdk.Json;
import io.custos.testing.TestPostgres;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.TestInstance;

/**
 * Base of the HTTP tests: a real broker (Micronaut, Netty) on a random port over a fresh
 * PostgreSQL database with password auth, driven by the JDK HTTP client.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class BrokerHttpTest implements TestPropertyProvider {
    protected TestPostgres.Database db;
    protected final HttpClient http = HttpClient.newHttpClient();

    @Inject
    protected EmbeddedServer server;

    /** A response: status and parsed JSON body (null when empty). */
    public record Reply(int status, JsonNode json) {
        public String error() {
            return json.get("errors").get(0).asText();
        }
    }

    @Override
    public Map<String, String> getProperties() {
        db = TestPostgres.shared().createDatabase();
        Map<String, String> p = new HashMap<>();
        p.put("custos.storage.url", db.jdbcUrl());
        p.put("custos.storage.user", db.user());
        p.put("custos.storage.password", db.password());
        p.put("custos.listener.tls-enabled", "false");
        p.put("custos.listener.port", "-1");
        p.putAll(extraProperties());
        return p;
    }

    protected Map<String, String> extraProperties() {
        return Map.of();
    }

    protected Reply call(String method, String path, String token, String body) {
        return call(method, path, token, body, "application/json");
    }

    protected Reply call(String method, String path, String token, String body, String contentType) {
        return call(method, path, token, body, contentType, Map.of());
    }

    protected Reply call(String method, String path, String token, String body, String contentType,
            Map<String, String> headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getPort() + "/v1/" + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", contentType);
        }
        if (token != null) {
            b.header("X-Vault-Token", token);
        }
        headers.forEach(b::header);
        try {
            HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            JsonNode json = r.body().length == 0 ? null : Json.MAPPER.readTree(r.body());
            return new Reply(r.statusCode(), json);
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Initialises with one share, unseals, and returns the root token. */
    protected String initAndUnseal() {
        Reply init = call("POST", "sys/init", null, "{\"secret_shares\":1,\"secret_threshold\":1}");
        String key = init.json().get("keys_base64").get(0).asText();
        call("POST", "sys/unseal", null, "{\"key\":\"" + key + "\"}");
        return init.json().get("root_token").asText();
    }

    /** {@code custos_requests_io_thread_total{outcome=...}} now (sys/metrics, read with {@code token}). */
    protected double ioThreadCount(String token, String outcome) throws IOException, InterruptedException {
        String text = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getPort()
                + "/v1/sys/metrics?format=prometheus")).header("X-Vault-Token", token).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = Pattern.compile("(?m)^custos_requests_io_thread_total\\{outcome=\"" + outcome + "\"} ([0-9.eE+]+)$")
                .matcher(text);
        if (!m.find()) {
            throw new AssertionError("no io_thread counter in:\n" + text);
        }
        return Double.parseDouble(m.group(1));
    }

    /**
     * Refuses (or allows again) new connections to this test's database and ends the open ones —
     * all of them, or all but the change feed's ({@code keepChangeFeed}: caches stay trusted).
     */
    protected void refuseConnections(boolean refused, boolean keepChangeFeed) throws Exception {
        try (Connection c = TestPostgres.shared().admin().connect(); Statement s = c.createStatement()) {
            s.execute("ALTER DATABASE " + db.name() + " WITH ALLOW_CONNECTIONS " + !refused);
            if (refused) {
                s.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + db.name() + "'"
                        + (keepChangeFeed ? " AND application_name <> 'custos-change-feed'" : ""));
            }
        }
    }
}
