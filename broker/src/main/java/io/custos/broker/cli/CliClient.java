package io.custos.broker.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.custos.engine.sdk.Json;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * The CLI's HTTP client: Vault's API paths under {@code /v1/}, the token in {@code X-Vault-Token},
 * JSON bodies; an answer of 400 or more becomes a {@link CliException} worded as Vault's CLI
 * words it ("Error making API request. URL: ... Code: 403. Errors: * permission denied").
 */
final class CliClient {
    private final URI address;
    private final HttpClient http;
    private final String token;
    private final String wrapTtl;

    /** One answer: its status and its JSON body (null when empty or not JSON). */
    record Reply(int status, JsonNode body, String text) {
    }

    /** {@code wrapTtl}: sent as {@code X-Vault-Wrap-TTL} with every request (Vault's {@code -wrap-ttl}); null: none. */
    CliClient(URI address, SSLContext ssl, String token, String wrapTtl) {
        this.address = address;
        this.token = token;
        this.wrapTtl = wrapTtl;
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30));
        if (ssl != null) {
            SSLParameters params = new SSLParameters();
            params.setProtocols(new String[] {"TLSv1.3"});
            b.sslContext(ssl).sslParameters(params);
        }
        this.http = b.build();
    }

    String token() {
        return token;
    }

    URI address() {
        return address;
    }

    /** A request that must succeed (status below 400); its JSON body, or null for 204. */
    JsonNode call(String method, String path, Object body) {
        Reply r = send(method, path, body, Map.of());
        if (r.status() >= 400) {
            throw apiError(method, path, r);
        }
        return r.body();
    }

    /** A read: null when the broker has nothing there (404 without errors, or an empty answer). */
    JsonNode read(String path) {
        Reply r = send("GET", path, null, Map.of());
        if (r.status() == 404 && (r.body() == null || r.body().path("errors").isEmpty())) {
            return null;
        }
        if (r.status() >= 400) {
            throw apiError("GET", path, r);
        }
        return r.body();
    }

    Reply send(String method, String path, Object body, Map<String, String> headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(address.resolve("/v1/" + path)).timeout(Duration.ofMinutes(1))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(Json.write(body)));
        if (body != null) {
            b.header("Content-Type", "PATCH".equals(method) ? "application/merge-patch+json" : "application/json");
        }
        if (token != null) {
            b.header("X-Vault-Token", token);
        }
        b.header("X-Vault-Request", "true");
        if (wrapTtl != null) {
            b.header("X-Vault-Wrap-TTL", wrapTtl);
        }
        headers.forEach(b::header);
        try {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            JsonNode json = null;
            if (!r.body().isBlank()) {
                try {
                    json = Json.MAPPER.readTree(r.body());
                } catch (IOException e) {
                    json = null; // text (Prometheus metrics, a PEM): kept as text
                }
            }
            return new Reply(r.statusCode(), json, r.body());
        } catch (ConnectException e) {
            throw CliException.usage("Error making API request.\n\nURL: " + method + " " + address.resolve("/v1/" + path)
                    + "\nError: cannot connect to " + address + ": connection refused");
        } catch (IOException e) {
            throw CliException.usage("Error making API request.\n\nURL: " + method + " " + address.resolve("/v1/" + path)
                    + "\nError: " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw CliException.local("interrupted");
        }
    }

    /** Vault's {@code api.ResponseError} text. */
    CliException apiError(String method, String path, Reply r) {
        StringBuilder s = new StringBuilder("Error making API request.\n\nURL: ").append(method).append(' ')
                .append(address.resolve("/v1/" + path)).append("\nCode: ").append(r.status()).append(". ");
        JsonNode errors = r.body() == null ? null : r.body().get("errors");
        if (errors != null && errors.isArray() && !errors.isEmpty()) {
            s.append("Errors:\n");
            errors.forEach(e -> s.append("\n* ").append(e.asText()));
        } else {
            s.append("Raw Message:\n\n").append(r.text());
        }
        return CliException.usage(s.toString());
    }
}
