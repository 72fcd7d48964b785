package io.custos.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.custos.testing.TestPostgres;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent (its jar, as a process) against a real broker and a real PostgreSQL target: AppRole
 * login, a KV secret, database credentials with a 10 s TTL and a 30 s max, and a certificate,
 * rendered into files; the credentials log in, are renewed, and are replaced before the max TTL
 * (file rewritten, command run, the old user dropped when its lease ends); a KV change reaches its
 * file on the next static interval.
 */
class AgentIT {
    @TempDir
    Path dir;

    private static String read(Path p) throws Exception {
        return Files.isRegularFile(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
    }

    /** The database role "app" (10 s TTL, 30 s max) and an AppRole "agent" with {@code policy}, its id files in dir. */
    private void setUpBroker(ApiClient api, TestPostgres.Database target, String policy) throws Exception {
        String root = DatabaseTarget.ROOT;
        DatabaseTarget.configure(api, target, "app", "{\"db_name\":\"app\",\"creation_statements\":\"CREATE ROLE "
                + "\\\"{{name}}\\\" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}'\","
                + "\"default_ttl\":\"10s\",\"max_ttl\":\"30s\"}");
        api.call("POST", "sys/auth/approle", root, "{\"type\":\"approle\"}", 204);
        api.call("PUT", "sys/policies/acl/agent", root, policy, 204);
        api.call("POST", "auth/approle/role/agent", root, "{\"token_policies\":\"agent\",\"token_ttl\":\"1h\"}", 204);
        Files.writeString(dir.resolve("role-id"), api.call("GET", "auth/approle/role/agent/role-id", root, null, 200)
                .get("data").get("role_id").asText());
        Files.writeString(dir.resolve("secret-id"), api.call("POST", "auth/approle/role/agent/secret-id", root, null,
                200).get("data").get("secret_id").asText());
    }

    private static String signed(RSAKey key, JWTClaimsSet claims) throws Exception {
        SignedJWT jwt = new SignedJWT(
                new JWSHeader(JWSAlgorithm.RS256), claims);
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    private String config(int port, String method, String template) {
        return """
                vault { address = "http://127.0.0.1:%d" }
                auto_auth {
                  %s
                  sink "file" { config = { path = "%s/sink-token" } }
                }
                template {
                  contents = "{{ with secret \\"secret/app\\" }}{{ .Data.data.v }}{{ end }}"
                  destination = "%s"
                }
                """.formatted(port, method, dir, template);
    }

    @Test
    void kubernetesJwtAndTokenFileLoginsAndReLoginsThatRewriteNothing() throws Exception {
        TestPostgres.Database storage = TestPostgres.shared().createDatabase();
        int port = BrokerProcess.freePort();
        ApiClient api = new ApiClient(HttpClient.newHttpClient(), "http://127.0.0.1:" + port);
        String root = DatabaseTarget.ROOT;
        RSAKey key = new RSAKeyGenerator(2048).generate();
        String pem = "-----BEGIN PUBLIC KEY-----\\n" + Base64.getEncoder().encodeToString(
                key.toRSAPublicKey().getEncoded()) + "\\n-----END PUBLIC KEY-----\\n";
        Date exp = Date.from(Instant.now().plusSeconds(600));
        try (BrokerProcess broker = DatabaseTarget.start(port, DatabaseTarget.env(storage, dir.resolve("dev"), Map.of()),
                dir)) {
            api.call("POST", "secret/data/app", root, "{\"data\":{\"v\":\"kv-value\"}}", 200);
            api.call("PUT", "sys/policies/acl/kv", root, "{\"policy\":\"path \\\"secret/*\\\" { capabilities = "
                    + "[\\\"read\\\"] }\\npath \\\"sys/internal/ui/mounts/*\\\" { capabilities = [\\\"read\\\"] }\"}", 204);
            // Kubernetes, offline (the service account token is checked against pem_keys); tokens of 5 s, at most 10 s
            api.call("POST", "sys/auth/kubernetes", root, "{\"type\":\"kubernetes\"}", 204);
            api.call("POST", "auth/kubernetes/config", root, "{\"pem_keys\":[\"" + pem + "\"],\"issuer\":"
                    + "\"kubernetes/serviceaccount\"}", 204);
            api.call("POST", "auth/kubernetes/role/app", root, "{\"bound_service_account_names\":\"web\","
                    + "\"bound_service_account_namespaces\":\"prod\",\"token_policies\":\"kv\",\"token_ttl\":\"5s\","
                    + "\"token_max_ttl\":\"10s\"}", 204);
            Files.writeString(dir.resolve("sa-token"), signed(key, new JWTClaimsSet.Builder()
                    .issuer("kubernetes/serviceaccount").audience("custos").expirationTime(exp)
                    .claim("kubernetes.io", Map.of("namespace", "prod", "serviceaccount", Map.of("name", "web", "uid", "u1")))
                    .build()));
            Path k8sOut = dir.resolve("out/k8s");
            Files.writeString(dir.resolve("k8s.hcl"), config(port, "method \"kubernetes\" {\n config = {\n role = "
                    + "\"app\"\n token_path = \"" + dir.resolve("sa-token") + "\"\n }\n }", k8sOut.toString()));
            try (BrokerProcess agent = BrokerProcess.startAgent(List.of("agent", "-config=" + dir.resolve("k8s.hcl")),
                    Map.of(), dir)) {
                assertTrue(DatabaseTarget.await(Duration.ofSeconds(30), () -> read(k8sOut).equals("kv-value")),
                        agent::output);
                FileTime written = Files.getLastModifiedTime(k8sOut);
                // past the 10 s max TTL twice: the agent logs in again, and rewrites nothing that did not change
                assertTrue(DatabaseTarget.await(Duration.ofSeconds(40), () -> agent.output().split("authenticated with "
                        + "kubernetes", -1).length > 3), agent::output);
                assertEquals(written, Files.getLastModifiedTime(k8sOut), "a new login rewrote an unchanged file");
                assertEquals("kv-value", read(k8sOut));
            }
            // JWT from a file, and a token file: each renders once and exits
            api.call("POST", "sys/auth/jwt", root, "{\"type\":\"jwt\"}", 204);
            api.call("POST", "auth/jwt/config", root, "{\"jwt_validation_pubkeys\":[\"" + pem + "\"],"
                    + "\"bound_issuer\":\"https://idp.example\"}", 204);
            api.call("POST", "auth/jwt/role/ci", root, "{\"bound_audiences\":\"custos\",\"user_claim\":\"sub\","
                    + "\"token_policies\":\"kv\"}", 204);
            Files.writeString(dir.resolve("ci.jwt"), signed(key, new JWTClaimsSet.Builder()
                    .issuer("https://idp.example").subject("pipeline").audience("custos").expirationTime(exp).build()));
            String token = api.call("POST", "auth/token/create", root, "{\"policies\":[\"kv\"]}", 200).get("auth")
                    .get("client_token").asText();
            Files.writeString(dir.resolve("token-file"), token);
            Map<String, String> methods = Map.of(
                    "jwt", "method \"jwt\" {\n config = {\n role = \"ci\"\n path = \"" + dir.resolve("ci.jwt") + "\"\n }\n }",
                    "tokenfile", "method \"token_file\" {\n config = {\n token_file_path = \"" + dir.resolve("token-file")
                            + "\"\n }\n }");
            for (Map.Entry<String, String> m : methods.entrySet()) {
                Path out = dir.resolve("out/" + m.getKey());
                Files.writeString(dir.resolve(m.getKey() + ".hcl"), config(port, m.getValue(), out.toString())
                        + "exit_after_auth = true\n");
                try (BrokerProcess agent = BrokerProcess.startAgent(List.of("agent", "-config=" + dir.resolve(m.getKey()
                        + ".hcl")), Map.of(), dir)) {
                    assertEquals(0, agent.awaitExit(Duration.ofSeconds(60)), agent.output());
                }
                assertEquals("kv-value", read(out), m.getKey());
            }
            // wrap_ttl: on the method the sink gets the wrapped login (the agent keeps no token); on the sink, the
            // agent's token wrapped — each unwraps once to a working token
            for (String where : List.of("method", "sink")) {
                Path sink = dir.resolve("wrapped-" + where);
                Files.writeString(dir.resolve("wrap-" + where + ".hcl"), """
                        vault { address = "http://127.0.0.1:%d" }
                        auto_auth {
                          method "jwt" {
                            %s
                            config = { role = "ci", path = "%s" }
                          }
                          sink "file" {
                            %s
                            config = { path = "%s" }
                          }
                        }
                        exit_after_auth = true
                        """.formatted(port, where.equals("method") ? "wrap_ttl = \"2m\"" : "", dir.resolve("ci.jwt"),
                        where.equals("sink") ? "wrap_ttl = \"2m\"" : "", sink));
                try (BrokerProcess agent = BrokerProcess.startAgent(List.of("agent", "-config=" + dir.resolve("wrap-"
                        + where + ".hcl")), Map.of(), dir)) {
                    assertEquals(0, agent.awaitExit(Duration.ofSeconds(60)), agent.output());
                }
                JsonNode info = new ObjectMapper()
                        .readTree(Files.readString(sink));
                assertEquals(120, info.get("ttl").asInt(), where);
                assertEquals(where.equals("method") ? "auth/jwt/login" : "sys/wrapping/wrap",
                        info.get("creation_path").asText());
                JsonNode unwrapped = api.call("POST", "sys/wrapping/unwrap",
                        info.get("token").asText(), null, 200);
                String unwrappedToken = where.equals("method") ? unwrapped.get("auth").get("client_token").asText()
                        : unwrapped.get("data").get("token").asText();
                JsonNode policies = api.call("GET", "auth/token/lookup-self", unwrappedToken, null,
                        200).get("data").get("policies");
                assertTrue(policies.toString().contains("\"kv\""), policies.toString());
                api.call("POST", "sys/wrapping/unwrap", info.get("token").asText(), null, 403); // spent
            }
            // process-supervisor mode: the child gets the rendered variable, and is restarted when it changes
            Path childLog = dir.resolve("child-env");
            Files.writeString(dir.resolve("exec.hcl"), """
                    vault { address = "http://127.0.0.1:%d" }
                    auto_auth {
                      method "token_file" { config = { token_file_path = "%s" } }
                    }
                    template_config { static_secret_render_interval = "1s" }
                    env_template "APP_V" {
                      contents = "{{ with secret \\"secret/app\\" }}{{ .Data.data.v }}{{ end }}"
                    }
                    exec {
                      command = ["/bin/sh", "-c", "echo $APP_V >> %s; exec sleep 600"]
                      restart_on_secret_changes = "always"
                    }
                    """.formatted(port, dir.resolve("token-file"), childLog));
            try (BrokerProcess agent = BrokerProcess.startAgent(List.of("agent", "-config=" + dir.resolve("exec.hcl")),
                    Map.of(), dir)) {
                assertTrue(DatabaseTarget.await(Duration.ofSeconds(30), () -> read(childLog).equals("kv-value\n")),
                        agent::output);
                api.call("POST", "secret/data/app", root, "{\"data\":{\"v\":\"kv-new\"}}", 200);
                assertTrue(DatabaseTarget.await(Duration.ofSeconds(30), () -> read(childLog).equals("kv-value\nkv-new\n")),
                        agent::output);
            }
            assertTrue(broker.output().length() > 0);
        }
    }

    @Test
    void aBrokerOutageLeavesTheFilesAloneAndTheAgentRecovers() throws Exception {
        TestPostgres.Database storage = TestPostgres.shared().createDatabase();
        int port = BrokerProcess.freePort();
        ApiClient api = new ApiClient(HttpClient.newHttpClient(), "http://127.0.0.1:" + port);
        String root = DatabaseTarget.ROOT;
        Map<String, String> env = DatabaseTarget.env(storage, dir.resolve("dev"), Map.of());
        Path out = dir.resolve("out/app");
        BrokerProcess broker = DatabaseTarget.start(port, env, dir);
        try {
            api.call("POST", "secret/data/app", root, "{\"data\":{\"v\":\"one\"}}", 200);
            api.call("PUT", "sys/policies/acl/kv", root, "{\"policy\":\"path \\\"secret/*\\\" { capabilities = "
                    + "[\\\"read\\\"] }\\npath \\\"sys/internal/ui/mounts/*\\\" { capabilities = [\\\"read\\\"] }\"}", 204);
            Files.writeString(dir.resolve("token-file"), api.call("POST", "auth/token/create", root,
                    "{\"policies\":[\"kv\"]}", 200).get("auth").get("client_token").asText());
            Files.writeString(dir.resolve("agent.hcl"), config(port, "method \"token_file\" {\n config = {\n "
                    + "token_file_path = \"" + dir.resolve("token-file") + "\"\n }\n }", out.toString())
                    + "template_config { static_secret_render_interval = \"1s\" }\n");
            try (BrokerProcess agent = BrokerProcess.startAgent(List.of("agent", "-config=" + dir.resolve("agent.hcl")),
                    Map.of(), dir)) {
                assertTrue(DatabaseTarget.await(Duration.ofSeconds(30), () -> read(out).equals("one")), agent::output);
                broker.kill();
                Thread.sleep(6_000); // several failed re-reads
                assertEquals("one", read(out), "an unreachable broker leaves the file as it was");
                broker = DatabaseTarget.start(port, env, dir);
                api.call("POST", "secret/data/app", root, "{\"data\":{\"v\":\"two\"}}", 200);
                assertTrue(DatabaseTarget.await(Duration.ofSeconds(90), () -> read(out).equals("two")), agent::output);
            }
        } finally {
            broker.close();
        }
    }

    @Test
    void anInitAgentHandsItsCredentialsToTheSidecarAndTheSidecarRevokesThemOnQuit() throws Exception {
        TestPostgres.Database storage = TestPostgres.shared().createDatabase();
        TestPostgres.Database target = TestPostgres.shared().createDatabase();
        int port = BrokerProcess.freePort();
        int agentPort = BrokerProcess.freePort();
        ApiClient api = new ApiClient(HttpClient.newHttpClient(), "http://127.0.0.1:" + port);
        try (BrokerProcess broker = DatabaseTarget.start(port, DatabaseTarget.env(storage, dir.resolve("dev"), Map.of()),
                dir)) {
            setUpBroker(api, target, "{\"policy\":\"path \\\"database/creds/app\\\" "
                    + "{ capabilities = [\\\"read\\\"] }\"}");
            String common = """
                    vault { address = "http://127.0.0.1:%d" }
                    auto_auth {
                      method "approle" {
                        config = {
                          role_id_file_path = "%s/role-id"
                          secret_id_file_path = "%s/secret-id"
                          remove_secret_id_file_after_reading = false
                        }
                      }
                      sink "file" { config = { path = "%s/shared/token" } }
                    }
                    template {
                      contents = "{{ with secret \\"database/creds/app\\" }}{{ .Data.username }}:{{ .Data.password }}{{ end }}"
                      destination = "%s/shared/db"
                    }
                    """.formatted(port, dir, dir, dir, dir);
            Files.writeString(dir.resolve("init.hcl"), common + "exit_after_auth = true\n");
            Files.writeString(dir.resolve("sidecar.hcl"), common + """
                    revoke_on_shutdown = true
                    listener "tcp" {
                      address = "127.0.0.1:%d"
                      tls_disable = true
                      agent_api { enable_quit = true }
                    }
                    """.formatted(agentPort));
            try (BrokerProcess init = BrokerProcess.startAgent(List.of("agent", "-config=" + dir.resolve("init.hcl")),
                    Map.of(), dir)) {
                assertEquals(0, init.awaitExit(Duration.ofSeconds(60)), init.output());
            }
            String user = read(dir.resolve("shared/db")).split(":", 2)[0];
            SecretMarkers.register(read(dir.resolve("shared/db")).split(":", 2)[1]);
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(
                    dir.resolve("shared/.custos-agent-state.json"))));
            assertEquals(1, DatabaseTarget.roles(target, "v-").size());
            try (BrokerProcess sidecar = BrokerProcess.startAgent(List.of("agent", "-config=" + dir.resolve("sidecar.hcl")),
                    Map.of(), dir)) {
                HttpClient http = HttpClient.newHttpClient();
                URI status = URI.create("http://127.0.0.1:" + agentPort + "/agent/v1/status");
                assertTrue(DatabaseTarget.await(Duration.ofSeconds(30), () -> {
                    try {
                        return http.send(HttpRequest.newBuilder(status).build(),
                                HttpResponse.BodyHandlers.ofString()).body().contains("\"last_render\":\"");
                    } catch (IOException e) {
                        return false;
                    }
                }), sidecar::output);
                Thread.sleep(12_000); // past the 10 s TTL: the sidecar renews the adopted lease, mints nothing
                assertEquals(user, read(dir.resolve("shared/db")).split(":", 2)[0], "the sidecar kept the init's user");
                assertEquals(1, DatabaseTarget.roles(target, "v-").size(), "one database user per pod, not two");
                String metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + agentPort + "/agent/v1/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
                assertTrue(metrics.contains("custos_agent_renewals_total"), metrics);
                var quit = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + agentPort
                        + "/agent/v1/quit")).POST(HttpRequest.BodyPublishers.noBody()).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(204, quit.statusCode());
                assertEquals(0, sidecar.awaitExit(Duration.ofSeconds(30)), sidecar.output());
            }
            assertTrue(DatabaseTarget.roles(target, "v-").isEmpty(), "revoke_on_shutdown dropped the user");
            assertTrue(broker.output().length() > 0);
        }
    }

    @Test
    void rendersRenewsAndReplacesSecretsBeforeTheyEnd() throws Exception {
        TestPostgres.Database storage = TestPostgres.shared().createDatabase();
        TestPostgres.Database target = TestPostgres.shared().createDatabase();
        int port = BrokerProcess.freePort();
        ApiClient api = new ApiClient(HttpClient.newHttpClient(), "http://127.0.0.1:" + port);
        String root = DatabaseTarget.ROOT;
        try (BrokerProcess broker = DatabaseTarget.start(port, DatabaseTarget.env(storage, dir.resolve("dev"), Map.of()),
                dir)) {
            setUpBroker(api, target, "{\"policy\":\"path \\\"secret/*\\\" { capabilities = "
                    + "[\\\"read\\\"] }\\npath \\\"database/creds/app\\\" { capabilities = [\\\"read\\\"] }\\n"
                    + "path \\\"pki/issue/web\\\" { capabilities = [\\\"update\\\"] }\\n"
                    + "path \\\"sys/internal/ui/mounts/*\\\" { capabilities = [\\\"read\\\"] }\"}");
            api.call("POST", "secret/data/web", root, "{\"data\":{\"password\":\"first\"}}", 200);
            api.call("POST", "sys/mounts/pki", root, "{\"type\":\"pki\"}", 204);
            api.call("POST", "pki/root/generate/internal", root, "{\"common_name\":\"agent root\",\"key_type\":\"ec\"}", 200);
            api.call("POST", "pki/roles/web", root, "{\"allow_any_name\":true,\"key_type\":\"ec\",\"max_ttl\":\"1h\"}", 200);
            Path out = dir.resolve("out");
            Path counter = dir.resolve("db-renders");
            Files.writeString(dir.resolve("agent.hcl"), """
                    vault { address = "http://127.0.0.1:%d" }
                    auto_auth {
                      method "approle" {
                        config = {
                          role_id_file_path = "%s/role-id"
                          secret_id_file_path = "%s/secret-id"
                        }
                      }
                      sink "file" { config = { path = "%s/token", mode = 0600 } }
                    }
                    template_config { static_secret_render_interval = "2s" }
                    template {
                      contents = "{{ with secret \\"database/creds/app\\" }}{{ .Data.username }}:{{ .Data.password }}{{ end }}"
                      destination = "%s/db"
                      perms = "0600"
                      command = "echo rendered >> %s"
                    }
                    template {
                      contents = "{{ with secret \\"secret/web\\" }}{{ .Data.data.password }}{{ end }}"
                      destination = "%s/web"
                    }
                    template {
                      contents = "{{ with pkiCert \\"pki/issue/web\\" \\"common_name=web.example.com\\" }}{{ .Cert }}{{ .Key }}{{ end }}"
                      destination = "%s/cert.pem"
                    }
                    template {
                      contents = "{{ with secret \\"secret/does-not-exist\\" }}{{ .Data.data.x }}{{ end }}"
                      destination = "%s/broken"
                    }
                    """.formatted(port, dir, dir, dir, out, counter, out, out, out));
            try (BrokerProcess agent = BrokerProcess.startAgent(List.of("agent", "-config=" + dir.resolve("agent.hcl")),
                    Map.of(), dir)) {
                assertTrue(DatabaseTarget.await(Duration.ofSeconds(60), () -> !read(out.resolve("db")).isEmpty()
                        && !read(out.resolve("web")).isEmpty() && !read(out.resolve("cert.pem")).isEmpty()),
                        () -> "nothing rendered:\n" + agent.output());
                assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(out.resolve("db"))));
                assertEquals("first", read(out.resolve("web")));
                assertTrue(Files.notExists(out.resolve("broken")), "one broken template stalls nothing else");
                assertTrue(read(out.resolve("cert.pem")).contains("BEGIN CERTIFICATE")
                        && read(out.resolve("cert.pem")).contains("PRIVATE KEY"));
                assertTrue(Files.notExists(dir.resolve("secret-id")), "removed after reading, as Vault Agent");
                String[] first = read(out.resolve("db")).split(":", 2);
                // what the agent holds must never reach its log (NoSecretInLogsIT scans the agent's output too)
                SecretMarkers.register(first[1]);
                SecretMarkers.register(read(dir.resolve("token")));
                try (Connection c = DriverManager.getConnection(target.jdbcUrl(), first[0], first[1])) {
                    assertTrue(c.isValid(2), "the rendered credentials log in");
                }
                // a KV change reaches the file on the next static interval
                api.call("POST", "secret/data/web", root, "{\"data\":{\"password\":\"second\"}}", 200);
                assertTrue(DatabaseTarget.await(Duration.ofSeconds(15), () -> read(out.resolve("web")).equals("second")),
                        () -> agent.output());
                // before the 30 s max TTL, new credentials replace the old ones and the command runs again
                assertTrue(DatabaseTarget.await(Duration.ofSeconds(45), () -> !read(out.resolve("db")).startsWith(first[0]
                        + ":")), () -> "credentials never replaced:\n" + agent.output());
                String[] second = read(out.resolve("db")).split(":", 2);
                SecretMarkers.register(second[1]);
                assertNotEquals(first[0], second[0]);
                try (Connection c = DriverManager.getConnection(target.jdbcUrl(), second[0], second[1])) {
                    assertTrue(c.isValid(2));
                }
                assertTrue(Files.readAllLines(counter).size() >= 2, "the command ran after each change");
                // the old user goes when its lease ends
                assertTrue(DatabaseTarget.await(Duration.ofSeconds(45), () -> DatabaseTarget.roles(target, first[0])
                        .isEmpty()), "the replaced user was dropped at the end of its lease");
                assertTrue(broker.output().length() > 0);
            }
        }
    }
}
