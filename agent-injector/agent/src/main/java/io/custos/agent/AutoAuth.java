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
        client.setToken(null);
        Json auth = client.request("POST", m.mountPath() + "/login", body).get("auth");
        if (auth == null || auth.isNull()) {
            throw new IOException("the login answered no token");
        }
        Login login = new Login(auth.get("client_token").asText(), Duration.ofSeconds(auth.path("lease_duration").asLong()),
                auth.path("renewable").asBoolean());
        client.setToken(login.token());
        return login;
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

    /** Writes the token to every sink (atomically, with the sink's mode). */
    void writeSinks(String token) throws IOException {
        for (AgentConfig.Sink s : config.sinks()) {
            AtomicFileWriter.write(Path.of(s.path()), token.getBytes(StandardCharsets.UTF_8), s.mode(), true, false);
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
