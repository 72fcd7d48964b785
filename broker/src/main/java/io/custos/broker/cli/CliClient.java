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
import java.util.LinkedHashMap;
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
    private final String curl;

    /** One answer: its status and its JSON body (null when empty or not JSON). */
    record Reply(int status, JsonNode body, String text) {
    }

    /**
     * {@code wrapTtl}: sent as {@code X-Vault-Wrap-TTL} with every request (Vault's {@code -wrap-ttl});
     * null: none. {@code curl}: not null, the first request is not sent but printed as a curl
     * command beginning with it ({@code -output-curl-string}).
     */
    CliClient(URI address, SSLContext ssl, String token, String wrapTtl, String curl) {
        this(address, http(ssl), token, wrapTtl, curl);
    }

    private CliClient(URI address, HttpClient http, String token, String wrapTtl, String curl) {
        this.address = address;
        this.http = http;
        this.token = token;
        this.wrapTtl = wrapTtl;
        this.curl = curl;
    }

    private static HttpClient http(SSLContext ssl) {
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30));
        if (ssl != null) {
            SSLParameters params = new SSLParameters();
            params.setProtocols(new String[] {"TLSv1.3"});
            b.sslContext(ssl).sslParameters(params);
        }
        return b.build();
    }

    /**
     * The same client for a command's own look-ups (the kv commands' mount preflight), which are
     * sent as they are and answered plainly: neither wrapped nor printed as curl, as Vault's.
     */
    CliClient plain() {
        return new CliClient(address, http, token, null, null);
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
        URI uri = address.resolve("/v1/" + path);
        byte[] payload = body == null ? null : Json.write(body);
        Map<String, String> all = new LinkedHashMap<>();
        if (body != null) {
            all.put("Content-Type", "PATCH".equals(method) ? "application/merge-patch+json" : "application/json");
        }
        if (token != null) {
            all.put("X-Vault-Token", token);
        }
        all.put("X-Vault-Request", "true");
        if (wrapTtl != null) {
            all.put("X-Vault-Wrap-TTL", wrapTtl);
        }
        all.putAll(headers);
        if (curl != null) {
            throw CliException.answer(curlString(method, uri, all, payload));
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(1))
                .method(method, payload == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(payload));
        all.forEach(b::header);
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

    /**
     * The request as Vault's {@code -output-curl-string} prints it: the method unless GET, the TLS
     * files, each header (the token as {@code $(custos print token)}, never its value), the body,
     * the URL. Everything but the token's substitution is in single quotes, the URL too (Vault
     * leaves it bare, where a shell would act on a {@code ;} or {@code &} in it).
     */
    private String curlString(String method, URI uri, Map<String, String> headers, byte[] body) {
        StringBuilder s = new StringBuilder(curl);
        if (!method.equals("GET")) {
            s.append("-X ").append(method).append(' ');
        }
        headers.forEach((k, v) -> s.append("-H ")
                .append(k.equals("X-Vault-Token") ? "\"X-Vault-Token: $(custos print token)\"" : quoted(k + ": " + v))
                .append(' '));
        if (body != null) {
            s.append("-d ").append(quoted(new String(body, StandardCharsets.UTF_8))).append(' ');
        }
        return s.append(quoted(uri.toString())).toString();
    }

    /** {@code text} in single quotes for a POSIX shell (a quote inside as {@code '"'"'}). */
    static String quoted(String text) {
        return "'" + text.replace("'", "'\"'\"'") + "'";
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
