package io.custos.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** Raw HTTP calls to a broker's /v1/ API that assert the status and return the parsed JSON. */
final class ApiClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http;
    private final String base;

    ApiClient(HttpClient http, String base) {
        this.http = http;
        this.base = base;
    }

    /** The raw answer, whatever its status (connection failures are thrown). */
    HttpResponse<String> send(String method, String path, String token, String body) throws Exception {
        return send(method, path, token, body, null);
    }

    /** The same, with the response wrapped for {@code wrapTtl} (X-Vault-Wrap-TTL) when it is given. */
    HttpResponse<String> send(String method, String path, String token, String body, String wrapTtl) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + "/v1/" + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("X-Vault-Token", token);
        }
        if (wrapTtl != null) {
            b.header("X-Vault-Wrap-TTL", wrapTtl);
        }
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        register(token, body, r.body());
        return r;
    }

    /** Every secret that passes through here is one the broker must never print. */
    private static void register(String token, String body, String response) {
        SecretMarkers.register(token);
        for (String json : new String[] {body, response}) {
            if (json != null && json.startsWith("{")) {
                try {
                    SecretMarkers.scan(JSON.readTree(json));
                } catch (IOException e) {
                    // not JSON after all: nothing to register
                }
            }
        }
    }

    JsonNode call(String method, String path, String token, String body, int expectedStatus) throws Exception {
        HttpResponse<String> r = send(method, path, token, body);
        assertEquals(expectedStatus, r.statusCode(), r.body());
        return r.body().isEmpty() ? null : JSON.readTree(r.body());
    }
}
