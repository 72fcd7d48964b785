package io.custos.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.custos.testing.TestPostgres;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every endpoint, fuzzed, driven by the live OpenAPI document of a broker with every engine and
 * auth method mounted: for each path and operation, each body field with the wrong JSON type,
 * empty, 64 KiB long, with control characters, as a huge or negative number, as a nested object;
 * missing required fields; unknown fields; malformed JSON and invalid UTF-8; path segments with
 * traversal, encoded and invalid bytes — as a root token and as a token with no policies.
 *
 * <p>Pass: no 5xx, no stack trace in a body or in the broker's output, and the broker healthy
 * after every endpoint. The count of requests and endpoints is printed.
 */
class EndpointFuzzIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ROOT = DatabaseTarget.ROOT;
    private static final Pattern PARAM = Pattern.compile("\\{([^}]+)}");
    private static final Pattern STACK_FRAME = Pattern.compile("(?m)^\\s+at [a-zA-Z_$][\\w$.]*\\(");
    /** Operations that would end the run rather than test input handling: sealing, deleting the CA. */
    private static final Set<String> SKIPPED = Set.of("post /sys/seal", "put /sys/seal", "delete /pki/root");
    private static final String LONG = "x".repeat(64 * 1024);
    private static final List<String> SEGMENTS = List.of("..%2F..%2Fsys%2Fseal", "%2e%2e", "..", "%00", "%ff%fe",
            "%0d%0aX-Injected:%201", "%25", "a%2Fb", "%E2%80%AE", "x".repeat(4096), "%C0%AF");

    @TempDir
    Path dir;

    private HttpClient http;
    private String base;
    private long requests;
    private final List<String> failures = new ArrayList<>();

    @Test
    void everyEndpointAnswersHostileInputWithoutA5xxOrAStackTrace() throws Exception {
        TestPostgres.Database storage = TestPostgres.shared().createDatabase();
        TestPostgres.Database target = TestPostgres.shared().createDatabase();
        int port = BrokerProcess.freePort();
        base = "http://127.0.0.1:" + port + "/v1/";
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        Map<String, String> env = DatabaseTarget.env(storage, dir.resolve("dev"), Map.of());
        try (BrokerProcess broker = DatabaseTarget.start(port, env, dir)) {
            ApiClient api = new ApiClient(http, "http://127.0.0.1:" + port);
            mountEverything(api, target);
            JsonNode spec = api.call("GET", "sys/internal/specs/openapi", ROOT, null, 200);
            int endpoints = 0;
            for (Iterator<Map.Entry<String, JsonNode>> it = spec.get("paths").fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> path = it.next();
                for (String method : List.of("get", "post", "put", "patch", "delete")) {
                    JsonNode op = path.getValue().get(method);
                    if (op == null || SKIPPED.contains(method + " " + path.getKey())) {
                        continue;
                    }
                    endpoints++;
                    fuzz(api, method, path.getKey(), op);
                    HttpResponse<String> health = send("GET", "sys/health", null, null);
                    if (health.statusCode() != 200) {
                        failures.add("unhealthy after " + method + " " + path.getKey() + ": " + health.statusCode());
                        break;
                    }
                }
            }
            System.out.printf("endpoint fuzzer: %,d requests to %d endpoints (%d paths), %d failures%n", requests,
                    endpoints, spec.get("paths").size(), failures.size());
            Matcher frames = STACK_FRAME.matcher(broker.output());
            if (frames.find()) {
                int from = Math.max(0, broker.output().lastIndexOf('\n', Math.max(0, frames.start() - 2000)));
                failures.add("a stack trace in the broker's output:\n"
                        + broker.output().substring(from, Math.min(broker.output().length(), frames.end() + 2000)));
            }
        }
        assertTrue(failures.isEmpty(), failures.size() + " failures, first ones:\n"
                + String.join("\n", failures.subList(0, Math.min(30, failures.size()))));
    }

    /** One of everything: KV v1 and v2, database (to a real PostgreSQL), PKI with a root, every auth method. */
    private void mountEverything(ApiClient api, TestPostgres.Database target) throws Exception {
        api.call("POST", "sys/mounts/kv1", ROOT, "{\"type\":\"kv\"}", 204);
        DatabaseTarget.configure(api, target, "app", "{\"db_name\":\"app\",\"creation_statements\":\"CREATE ROLE "
                + "\\\"{{name}}\\\" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}'\","
                + "\"default_ttl\":\"1h\"}");
        api.call("POST", "sys/mounts/pki", ROOT, "{\"type\":\"pki\"}", 204);
        api.call("POST", "pki/root/generate/internal", ROOT, "{\"common_name\":\"Fuzz Root\",\"key_type\":\"ec\"}", 200);
        api.call("POST", "pki/roles/svc", ROOT, "{\"allow_any_name\":true,\"key_type\":\"ec\"}", 200);
        for (String type : List.of("approle", "jwt", "kubernetes", "cert")) {
            api.call("POST", "sys/auth/" + type, ROOT, "{\"type\":\"" + type + "\"}", 204);
        }
        api.call("POST", "auth/approle/role/r", ROOT, "{\"token_policies\":\"default\"}", 204);
        api.call("POST", "secret/data/present", ROOT, "{\"data\":{\"k\":\"v\"}}", 200);
    }

    private void fuzz(ApiClient api, String method, String template, JsonNode op) throws Exception {
        String httpMethod = method.toUpperCase();
        boolean list = false;
        for (JsonNode p : op.path("parameters")) {
            if (p.path("name").asText().equals("list") && p.path("in").asText().equals("query")) {
                list = true;
            }
        }
        JsonNode props = op.path("requestBody").path("content").path("application/json").path("schema")
                .path("properties");
        for (String token : List.of(token(api, "root"), token(api, "nothing"))) {
            // the path itself: each parameter with a hostile segment
            send(httpMethod, path(template, "fuzz1") + (list ? "?list=true" : ""), token, "{}");
            if (template.contains("{")) {
                for (String seg : SEGMENTS) {
                    send(httpMethod, path(template, seg), token, "{}");
                }
            }
            if (method.equals("get") || method.equals("delete")) {
                send(httpMethod, path(template, "fuzz1") + "?unknown=%ff&" + (list ? "list=maybe" : "x=" + LONG.substring(0, 2048)),
                        token, null);
                continue;
            }
            String p = path(template, "fuzz1");
            send(httpMethod, p, token, "{}"); // every required field missing
            send(httpMethod, p, token, "{\"unknown_field\":\"x\",\"another\":{\"deep\":[1,2]}}");
            send(httpMethod, p, token, "{");
            send(httpMethod, p, token, "[1,2,3]");
            sendBytes(httpMethod, p, token, new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xff, (byte) 0xfe, '"', '}'});
            for (Iterator<Map.Entry<String, JsonNode>> it = props.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> f = it.next();
                for (Object value : hostileValues(f.getValue().path("type").asText())) {
                    ObjectNode body = JSON.createObjectNode();
                    body.set(f.getKey(), JSON.valueToTree(value));
                    send(httpMethod, p, token, JSON.writeValueAsString(body));
                }
            }
        }
    }

    /** Values of the wrong type for a field of {@code type}, and hostile values of the right one. */
    private static List<Object> hostileValues(String type) {
        List<Object> v = new ArrayList<>(List.of("", LONG, "\u0000\u0001\u001b[31m\r\n\u2028", "../../etc/passwd",
                Map.of("a", Map.of("b", List.of(Map.of()))), List.of(List.of(1, "x"), Map.of())));
        switch (type) {
            case "integer", "number" -> v.addAll(List.of(-1, Long.MAX_VALUE, new BigInteger("9".repeat(40)),
                    -1e300, 0.5, "12abc", true));
            case "boolean" -> v.addAll(List.of("maybe", 2, List.of(true)));
            case "array" -> v.addAll(List.of(123, List.of(LONG, ""), "a,,b,"));
            case "object" -> v.addAll(List.of("not-an-object", 7, List.of("x")));
            default -> v.addAll(List.of(42, true, -7.5, "%ff%00", "{{ .DisplayName }}\"';--", "1h" + "9".repeat(30)));
        }
        return v;
    }

    /** A fresh token per endpoint (an endpoint may revoke the one it is called with). */
    private String token(ApiClient api, String policy) throws Exception {
        String body = policy.equals("root") ? "{\"policies\":[\"root\"],\"ttl\":\"1h\"}"
                : "{\"policies\":[\"" + policy + "\"],\"no_default_policy\":true,\"ttl\":\"1h\"}";
        return api.call("POST", "auth/token/create", ROOT, body, 200).get("auth").get("client_token").asText();
    }

    private static String path(String template, String value) {
        return PARAM.matcher(template.substring(1)).replaceAll(Matcher.quoteReplacement(value));
    }

    private HttpResponse<String> send(String method, String path, String token, String body) throws Exception {
        return sendBytes(method, path, token, body == null ? null : body.getBytes(StandardCharsets.UTF_8));
    }

    private HttpResponse<String> sendBytes(String method, String path, String token, byte[] body) throws Exception {
        requests++;
        HttpRequest.Builder b;
        try {
            b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60))
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofByteArray(body));
        } catch (IllegalArgumentException e) {
            return null; // a URI the client itself refuses to send: nothing reached the broker
        }
        if (body != null) {
            b.header("Content-Type", method.equals("PATCH") ? "application/merge-patch+json" : "application/json");
        }
        if (token != null) {
            b.header("X-Vault-Token", token);
        }
        HttpResponse<String> r;
        try {
            r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            failures.add("no answer (connection closed): " + method + " " + abbreviate(path) + ": " + e.getMessage());
            return null;
        }
        String shown = body == null ? "" : new String(body, 0, Math.min(body.length, 160), StandardCharsets.UTF_8);
        if (r.statusCode() >= 500) {
            failures.add(r.statusCode() + " " + method + " " + abbreviate(path) + " " + shown + " -> "
                    + abbreviate(r.body()));
        } else if (STACK_FRAME.matcher(r.body()).find() || r.body().contains("Exception")) {
            failures.add("stack trace in the body: " + method + " " + abbreviate(path) + " -> " + abbreviate(r.body()));
        }
        return r;
    }

    private static String abbreviate(String s) {
        return s.length() > 300 ? s.substring(0, 300) + "..." : s;
    }
}
