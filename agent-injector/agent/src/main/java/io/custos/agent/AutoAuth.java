package io.custos.agent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Vault Agent's {@code auto_auth}: logs in with the configured method (AppRole from files,
 * optionally a response-wrapped secret-id; Kubernetes with the projected service-account token;
 * JWT from a file; TLS certificate; a token file) and writes the token to the file sinks.
 */
final class AutoAuth {
    /** A token and what the broker said of it. */
    record Login(String token, Duration ttl, boolean renewable) {
        @Override
        public String toString() {
            return "Login[token redacted, ttl " + ttl + ", renewable " + renewable + "]";
        }
    }

    static final String DEFAULT_K8S_TOKEN = "/var/run/secrets/kubernetes.io/serviceaccount/token";

    private final AgentConfig.AutoAuth config;
    private final BrokerClient client;
    private String cachedSecretId;

    AutoAuth(AgentConfig.AutoAuth config, BrokerClient client) {
        this.config = config;
        this.client = client;
    }

    Login login() throws IOException {
        AgentConfig.Method m = config.method();
        Map<String, Object> c = m.config();
        if (m.type().equals("token_file")) {
            String token = read(required(c, "token_file_path")).strip();
            client.setToken(token);
            Json self = client.request("GET", "auth/token/lookup-self", null).get("data");
            return new Login(token, Duration.ofSeconds(self.path("ttl").asLong()), self.path("renewable").asBoolean());
        }
        client.setToken(null);
        Json auth = client.request("POST", m.mountPath() + "/login", loginBody(m)).get("auth");
        if (auth == null || auth.isNull()) {
            throw new IOException("the login answered no token");
        }
        Login login = new Login(auth.get("client_token").asText(), Duration.ofSeconds(auth.path("lease_duration").asLong()),
                auth.path("renewable").asBoolean());
        client.setToken(login.token());
        return login;
    }

    private Map<String, Object> loginBody(AgentConfig.Method m) throws IOException {
        Map<String, Object> c = m.config();
        Map<String, Object> body = new LinkedHashMap<>();
        switch (m.type()) {
            case "approle" -> {
                body.put("role_id", read(required(c, "role_id_file_path")).strip());
                if (c.get("secret_id_file_path") != null) {
                    body.put("secret_id", secretId(c));
                }
            }
            case "kubernetes" -> {
                body.put("role", required(c, "role"));
                body.put("jwt", read(String.valueOf(c.getOrDefault("token_path", DEFAULT_K8S_TOKEN))).strip());
            }
            case "jwt" -> {
                body.put("role", required(c, "role"));
                body.put("jwt", read(required(c, "path")).strip());
            }
            case "cert" -> {
                if (c.get("name") != null) {
                    body.put("name", String.valueOf(c.get("name")));
                }
            }
            default -> throw new ConfigException("auth method " + m.type() + " is not supported");
        }
        return body;
    }

    /**
     * The secret-id from its file (removed after reading unless asked not to, and kept in memory
     * for re-logins); a response-wrapped one is looked up — its creation path must be the
     * expected secret-id path — and unwrapped.
     */
    private String secretId(Map<String, Object> c) throws IOException {
        if (cachedSecretId != null) {
            return cachedSecretId;
        }
        Path file = Path.of(String.valueOf(c.get("secret_id_file_path")));
        String value = read(file.toString()).strip();
        Object wrappingPath = c.get("secret_id_response_wrapping_path");
        if (wrappingPath != null && !String.valueOf(wrappingPath).isEmpty()) {
            client.setToken(value);
            Json info = client.request("GET", "sys/wrapping/lookup", null).get("data");
            String expected = String.valueOf(wrappingPath).replaceAll("^/+|/+$", "");
            if (!info.path("creation_path").asText().equals(expected)) {
                throw new IOException("the wrapped secret-id was created at \"" + info.path("creation_path").asText()
                        + "\", not at \"" + expected + "\": refusing it");
            }
            value = client.request("POST", "sys/wrapping/unwrap", Map.of()).get("data").get("secret_id").asText();
            client.setToken(null);
        }
        if (!"false".equals(String.valueOf(c.getOrDefault("remove_secret_id_file_after_reading", "true")))) {
            Files.deleteIfExists(file);
        }
        cachedSecretId = value;
        return value;
    }

    /**
     * {@code method { wrap_ttl }}: logs in asking for the answer response-wrapped, and returns what the
     * sinks get — the wrap info as JSON, as Vault Agent writes it. The agent itself holds no token then.
     */
    String loginWrapped() throws IOException {
        AgentConfig.Method m = config.method();
        client.setToken(null);
        BrokerClient.Reply r = client.call("POST", m.mountPath() + "/login", loginBody(m),
                Map.of("X-Vault-Wrap-TTL", m.wrapTtl().toSeconds() + "s"));
        if (!r.ok()) {
            throw new BrokerClient.ApiException("POST", m.mountPath() + "/login", r);
        }
        return wrapInfo(r.body());
    }

    /** Vault's {@code api.SecretWrapInfo} as {@code jsonutil.EncodeJSON} writes it (one line). */
    private static String wrapInfo(Json body) throws IOException {
        Json w = body == null ? null : body.get("wrap_info");
        if (w == null || w.path("token").asText().isEmpty()) {
            throw new IOException("the broker answered no wrapped token");
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("token", w.path("token").asText());
        out.put("accessor", w.path("accessor").asText());
        out.put("ttl", w.path("ttl").asLong());
        out.put("creation_time", w.path("creation_time").asText());
        out.put("creation_path", w.path("creation_path").asText());
        out.put("wrapped_accessor", w.path("wrapped_accessor").asText());
        return new String(Json.write(out), StandardCharsets.UTF_8) + "\n";
    }

    /**
     * Writes the token to every sink (atomically, with the sink's mode); a sink with {@code wrap_ttl}
     * gets the token response-wrapped ({@code sys/wrapping/wrap}), a new wrapping per login.
     */
    void writeSinks(String token) throws IOException {
        for (AgentConfig.Sink s : config.sinks()) {
            String content = token;
            if (s.wrapTtl().compareTo(Duration.ZERO) > 0) {
                BrokerClient.Reply r = client.call("POST", "sys/wrapping/wrap", Map.of("token", token),
                        Map.of("X-Vault-Wrap-TTL", s.wrapTtl().toSeconds() + "s"));
                if (!r.ok()) {
                    throw new BrokerClient.ApiException("POST", "sys/wrapping/wrap", r);
                }
                content = wrapInfo(r.body());
            }
            AtomicFileWriter.write(Path.of(s.path()), content.getBytes(StandardCharsets.UTF_8), s.mode(), true, false);
        }
    }

    private static String required(Map<String, Object> c, String key) {
        Object v = c.get(key);
        if (v == null || String.valueOf(v).isEmpty()) {
            throw new ConfigException("auto_auth method config needs " + key);
        }
        return String.valueOf(v);
    }

    private static String read(String path) throws IOException {
        return Files.readString(Path.of(path), StandardCharsets.UTF_8);
    }
}
