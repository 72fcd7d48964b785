package io.custos.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import io.custos.testing.TestPostgres;
import io.github.jopenlibs.vault.Vault;
import io.github.jopenlibs.vault.VaultConfig;
import io.github.jopenlibs.vault.VaultException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The production server end to end: the shaded jar with a config file, a TLS 1.3-only listener,
 * external PostgreSQL with password auth, Shamir init and unseal, an unmodified Vault client
 * (jopenlibs vault-java-driver) reading and writing KV v2, and data surviving a restart.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ProductionServerIT {
    @TempDir
    static Path dir;
    private TestTls tls;
    private Path config;
    private int port;
    private BrokerProcess broker;
    private HttpClient https;
    private List<String> keys;
    private String rootToken;

    @BeforeAll
    void start() throws Exception {
        TestPostgres.Database db = TestPostgres.shared().createDatabase();
        tls = new TestTls(dir);
        port = BrokerProcess.freePort();
        config = dir.resolve("custos.yml");
        Files.writeString(config, String.join("\n",
                "custos:",
                "  listener:",
                "    host: 127.0.0.1",
                "    port: " + port,
                "    tls-cert-file: " + tls.certFile,
                "    tls-key-file: " + tls.keyFile,
                "  storage:",
                "    url: " + db.jdbcUrl(),
                "    user: " + db.user(),
                ""));
        // the password comes from the environment, as a deployment would pass it
        startBroker(Map.of("CUSTOS_STORAGE_PASSWORD", db.password()));
        https = HttpClient.newBuilder().sslContext(tls.trustingContext("TLSv1.3")).build();
    }

    private void startBroker(Map<String, String> env) throws Exception {
        broker = BrokerProcess.start(List.of("server", "-config=" + config), env, dir);
        broker.awaitOutput("Startup completed", Duration.ofSeconds(60));
        storagePassword = env.get("CUSTOS_STORAGE_PASSWORD");
    }

    private String storagePassword;

    @AfterAll
    void stop() throws Exception {
        if (broker != null) {
            broker.close();
        }
    }

    private JsonNode call(String method, String path, String token, String body, int expectedStatus) throws Exception {
        return new ApiClient(https, "https://localhost:" + port).call(method, path, token, body, expectedStatus);
    }

    @Test
    @Order(1)
    void listenerSpeaksTls13AndRefusesTls12() throws Exception {
        JsonNode health = call("GET", "sys/health", null, null, 501);
        assertFalse(health.get("initialized").asBoolean());

        try (SSLSocket s = (SSLSocket) tls.trustingContext("TLS").getSocketFactory()
                .createSocket(InetAddress.getLoopbackAddress(), port)) {
            s.setEnabledProtocols(new String[] {"TLSv1.2"});
            assertThrows(SSLHandshakeException.class, s::startHandshake);
        }
        try (SSLSocket s = (SSLSocket) tls.trustingContext("TLS").getSocketFactory()
                .createSocket(InetAddress.getLoopbackAddress(), port)) {
            s.startHandshake();
            assertEquals("TLSv1.3", s.getSession().getProtocol());
        }
        if (opensslAvailable()) {
            assertTrue(openssl("-tls1_3").contains("TLSv1.3"));
            String tls12 = openssl("-tls1_2");
            assertTrue(tls12.contains("alert protocol version") || tls12.contains("no protocols available"), tls12);
        }
    }

    @Test
    @Order(2)
    void initUnsealMountAndUseAnUnmodifiedVaultClient() throws Exception {
        JsonNode init = call("PUT", "sys/init", null, "{\"secret_shares\":3,\"secret_threshold\":2}", 200);
        keys = List.of(init.get("keys").get(0).asText(), init.get("keys").get(1).asText(), init.get("keys").get(2).asText());
        rootToken = init.get("root_token").asText();
        call("PUT", "sys/unseal", null, "{\"key\":\"" + keys.get(0) + "\"}", 200);
        assertFalse(call("PUT", "sys/unseal", null, "{\"key\":\"" + keys.get(2) + "\"}", 200).get("sealed").asBoolean());
        call("POST", "sys/mounts/secret", rootToken, "{\"type\":\"kv\",\"options\":{\"version\":\"2\"}}", 204);

        // the driver pins TLSv1.2 when given a PEM (refused here by design), so trust the test CA
        // through the JVM defaults and let it negotiate TLS 1.3
        SSLContext.setDefault(tls.trustingContext("TLS"));
        HttpsURLConnection.setDefaultSSLSocketFactory(tls.trustingContext("TLS").getSocketFactory());
        Vault vault = Vault.create(new VaultConfig().address("https://localhost:" + port).token(rootToken)
                .engineVersion(2).build());
        vault.logical().write("secret/app/config", Map.of("username", "svc-app", "password", "correct horse"));
        vault.logical().write("secret/app/config", Map.of("username", "svc-app", "password", "battery staple"));
        Map<String, String> read = vault.logical().read("secret/app/config").getData();
        assertEquals("battery staple", read.get("password"));
        assertEquals(List.of("config"), vault.logical().list("secret/app").getListData());
        int denied;
        try {
            denied = Vault.create(new VaultConfig().address("https://localhost:" + port).token("cvs.not-a-token")
                    .engineVersion(2).build()).logical().read("secret/app/config").getRestResponse().getStatus();
        } catch (VaultException e) {
            denied = e.getHttpStatusCode();
        }
        assertEquals(403, denied);
        assertEquals("correct horse", call("GET", "secret/data/app/config?version=1", rootToken, null, 200)
                .get("data").get("data").get("password").asText());
    }

    @Test
    @Order(3)
    void dataSurvivesARestartAndTheRestartedServerIsSealed() throws Exception {
        broker.close();
        startBroker(Map.of("CUSTOS_STORAGE_PASSWORD", storagePassword));
        call("GET", "secret/data/app/config", rootToken, null, 503);
        call("GET", "sys/health", null, null, 503);
        call("PUT", "sys/unseal", null, "{\"key\":\"" + keys.get(1) + "\"}", 200);
        call("PUT", "sys/unseal", null, "{\"key\":\"" + keys.get(2) + "\"}", 200);
        JsonNode data = call("GET", "secret/data/app/config", rootToken, null, 200).get("data");
        assertEquals("battery staple", data.get("data").get("password").asText());
        assertEquals(2, data.get("metadata").get("version").asInt());
        assertTrue(!broker.output().contains("battery staple") && !broker.output().contains(rootToken),
                "no secret or token in the server's output");
    }

    @Test
    @Order(4)
    void appRoleLoginOverHttpsAndItsRefusals() throws Exception {
        call("POST", "sys/auth/approle", rootToken, "{\"type\":\"approle\"}", 204);
        call("PUT", "sys/policies/acl/app", rootToken,
                "{\"policy\":\"path \\\"secret/data/app/*\\\" {\\n capabilities = [\\\"read\\\"]\\n}\"}", 204);
        call("POST", "auth/approle/role/web", rootToken, "{\"token_policies\":\"app\",\"secret_id_num_uses\":1}", 204);
        String roleId = call("GET", "auth/approle/role/web/role-id", rootToken, null, 200).get("data").get("role_id").asText();
        String secretId = call("POST", "auth/approle/role/web/secret-id", rootToken, null, 200)
                .get("data").get("secret_id").asText();
        String login = "{\"role_id\":\"" + roleId + "\",\"secret_id\":\"" + secretId + "\"}";
        String token = call("POST", "auth/approle/login", null, login, 200).get("auth").get("client_token").asText();
        assertEquals("battery staple", call("GET", "secret/data/app/config", token, null, 200)
                .get("data").get("data").get("password").asText());
        call("GET", "sys/mounts", token, null, 403);
        assertEquals("invalid role or secret ID", call("POST", "auth/approle/login", null, login, 400)
                .get("errors").get(0).asText());
        assertTrue(!broker.output().contains(secretId), "no secret-id in the server's output");
    }

    @Test
    @Order(5)
    void certificateLoginWithTheTls13ClientCertificate() throws Exception {
        TestTls.ClientIdentity ca = TestTls.identity("Custos Test CA", null, null);
        TestTls.ClientIdentity web = TestTls.identity("web", "spiffe://example.org/ns/prod/sa/web", ca);
        TestTls.ClientIdentity outsider = TestTls.identity("web", "spiffe://example.org/ns/prod/sa/web", null);
        TestTls.ClientIdentity wrongId = TestTls.identity("db", "spiffe://example.org/ns/dev/sa/db", ca);
        call("POST", "sys/auth/cert", rootToken, "{\"type\":\"cert\"}", 204);
        call("POST", "auth/cert/certs/web", rootToken, new ObjectMapper().writeValueAsString(Map.of(
                "certificate", TestTls.pem(ca.certificate()), "allowed_uri_sans", "spiffe://example.org/ns/prod/*",
                "token_policies", "app")), 204);
        String token = asClient(web).call("POST", "auth/cert/login", null, "{}", 200).get("auth").get("client_token").asText();
        assertEquals("battery staple", call("GET", "secret/data/app/config", token, null, 200)
                .get("data").get("data").get("password").asText());
        asClient(outsider).call("POST", "auth/cert/login", null, "{}", 400);
        asClient(wrongId).call("POST", "auth/cert/login", null, "{}", 400);
        asClient(null).call("POST", "auth/cert/login", null, "{}", 400);

        // the agent: the cert method over TLS 1.3, the broker addressed by IP and checked as tls_server_name
        TestTls.write(web, dir.resolve("web.pem"), dir.resolve("web-key.pem"));
        for (String serverName : List.of("localhost", "wrong.example")) {
            Path out = dir.resolve("agent-" + serverName);
            Path hcl = dir.resolve("agent-" + serverName + ".hcl");
            Files.writeString(hcl, """
                    vault {
                      address = "https://127.0.0.1:%d"
                      ca_cert = "%s"
                      tls_server_name = "%s"
                    }
                    auto_auth {
                      method "cert" {
                        exit_on_err = true
                        config = {
                          name = "web"
                          client_cert = "%s"
                          client_key = "%s"
                        }
                      }
                      sink "file" { config = { path = "%s" } }
                    }
                    template {
                      contents = "{{ with secret \\"secret/data/app/config\\" }}{{ .Data.data.password }}{{ end }}"
                      destination = "%s"
                    }
                    exit_after_auth = true
                    """.formatted(port, tls.certFile, serverName, dir.resolve("web.pem"), dir.resolve("web-key.pem"),
                    dir.resolve("agent-sink-" + serverName), out));
            try (BrokerProcess agent = BrokerProcess.startAgent(List.of("agent", "-config=" + hcl), Map.of(), dir)) {
                int exit = agent.awaitExit(Duration.ofSeconds(60));
                if (serverName.equals("localhost")) {
                    assertEquals(0, exit, agent.output());
                    assertEquals("battery staple", Files.readString(out));
                } else { // the certificate is not valid for the server name: no connection, no file
                    assertNotEquals(0, exit, agent.output());
                    assertFalse(Files.exists(out));
                    assertTrue(agent.output().contains("wrong.example"), agent.output());
                }
            }
        }

        // the CLI, as a process: cert login over TLS 1.3 with the CA, the server name and the client certificate
        List<String> tlsFlags = List.of("-address=https://127.0.0.1:" + port, "-ca-cert=" + tls.certFile,
                "-client-cert=" + dir.resolve("web.pem"), "-client-key=" + dir.resolve("web-key.pem"));
        List<String> login = new ArrayList<>(List.of("login", "-method=cert", "-token-only",
                "-tls-server-name=localhost"));
        login.addAll(tlsFlags);
        login.add("name=web");
        String cliToken;
        try (BrokerProcess cli = BrokerProcess.startCli(login, Map.of(), dir)) {
            assertEquals(0, cli.awaitExit(Duration.ofSeconds(60)), cli.output());
            cliToken = cli.output().lines().filter(l -> l.startsWith("cvs.")).findFirst().orElseThrow();
        }
        try (BrokerProcess cli = BrokerProcess.startCli(List.of("kv", "get", "-field=password",
                "-tls-server-name=localhost", "-address=https://127.0.0.1:" + port, "-ca-cert=" + tls.certFile,
                "secret/app/config"), Map.of("CUSTOS_TOKEN", cliToken), dir)) {
            assertEquals(0, cli.awaitExit(Duration.ofSeconds(60)), cli.output());
            assertEquals("battery staple", cli.output().strip());
        }
        for (List<String> refused : List.of(List.of("-tls-server-name=wrong.example"), List.<String>of())) {
            List<String> args = new ArrayList<>(List.of("read", "-address=https://127.0.0.1:" + port));
            args.addAll(refused);
            if (!refused.isEmpty()) {
                args.add("-ca-cert=" + tls.certFile);
            }
            args.add("sys/mounts");
            try (BrokerProcess cli = BrokerProcess.startCli(args, Map.of("VAULT_TOKEN", cliToken), dir)) {
                assertEquals(2, cli.awaitExit(Duration.ofSeconds(60)), cli.output());
                assertTrue(cli.output().contains("Error reading sys/mounts") && !cli.output().contains("\tat "),
                        cli.output());
            }
        }
    }

    @Test
    @Order(6)
    void jwtAndKubernetesLoginsOverHttpsAndTheirRefusals() throws Exception {
        RSAKey key = new RSAKeyGenerator(2048).generate();
        String pem = "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder().encodeToString(
                key.toRSAPublicKey().getEncoded()) + "\n-----END PUBLIC KEY-----\n";
        ObjectMapper json = new ObjectMapper();

        call("POST", "sys/auth/jwt", rootToken, "{\"type\":\"jwt\"}", 204);
        call("POST", "auth/jwt/config", rootToken, json.writeValueAsString(Map.of(
                "jwt_validation_pubkeys", List.of(pem), "bound_issuer", "https://idp.example")), 204);
        call("POST", "auth/jwt/role/ci", rootToken, "{\"bound_audiences\":\"custos\",\"user_claim\":\"sub\","
                + "\"token_policies\":\"app\"}", 204);
        Instant now = Instant.now();
        Function<JWTClaimsSet.Builder, String> sign = b -> {
            try {
                SignedJWT jwt = new SignedJWT(
                        new JWSHeader(JWSAlgorithm.RS256), b.build());
                jwt.sign(new RSASSASigner(key));
                return jwt.serialize();
            } catch (JOSEException e) {
                throw new IllegalStateException(e);
            }
        };
        Supplier<JWTClaimsSet.Builder> claims = () ->
                new JWTClaimsSet.Builder().issuer("https://idp.example").subject("pipeline")
                        .audience("custos").expirationTime(Date.from(now.plusSeconds(300)));
        String good = sign.apply(claims.get());
        String token = call("POST", "auth/jwt/login", null, "{\"role\":\"ci\",\"jwt\":\"" + good + "\"}", 200)
                .get("auth").get("client_token").asText();
        call("GET", "secret/data/app/config", token, null, 200);
        String none = new PlainJWT(claims.get().build()).serialize();
        call("POST", "auth/jwt/login", null, "{\"role\":\"ci\",\"jwt\":\"" + none + "\"}", 400);
        String expired = sign.apply(claims.get().expirationTime(Date.from(now.minusSeconds(3600))));
        call("POST", "auth/jwt/login", null, "{\"role\":\"ci\",\"jwt\":\"" + expired + "\"}", 400);
        String wrongAud = sign.apply(claims.get().audience("other"));
        call("POST", "auth/jwt/login", null, "{\"role\":\"ci\",\"jwt\":\"" + wrongAud + "\"}", 400);

        call("POST", "sys/auth/kubernetes", rootToken, "{\"type\":\"kubernetes\"}", 204);
        call("POST", "auth/kubernetes/config", rootToken, json.writeValueAsString(Map.of(
                "pem_keys", List.of(pem), "issuer", "kubernetes/serviceaccount")), 204);
        call("POST", "auth/kubernetes/role/web", rootToken, "{\"bound_service_account_names\":\"web\","
                + "\"bound_service_account_namespaces\":\"prod\",\"token_policies\":\"app\"}", 204);
        BiFunction<String, String, String> saToken = (ns, name) -> sign.apply(
                new JWTClaimsSet.Builder().issuer("kubernetes/serviceaccount")
                        .expirationTime(Date.from(now.plusSeconds(600)))
                        .claim("kubernetes.io/serviceaccount/namespace", ns)
                        .claim("kubernetes.io/serviceaccount/service-account.name", name));
        String pod = call("POST", "auth/kubernetes/login", null, "{\"role\":\"web\",\"jwt\":\""
                + saToken.apply("prod", "web") + "\"}", 200).get("auth").get("client_token").asText();
        call("GET", "secret/data/app/config", pod, null, 200);
        call("POST", "auth/kubernetes/login", null, "{\"role\":\"web\",\"jwt\":\""
                + saToken.apply("dev", "web") + "\"}", 400);
        call("POST", "auth/kubernetes/login", null, "{\"role\":\"web\",\"jwt\":\""
                + saToken.apply("prod", "db") + "\"}", 400);
    }

    @Test
    @Order(7)
    void theListenerPicksUpARotatedCertificateWithoutARestart() throws Exception {
        Path rotatedDir = Files.createDirectories(dir.resolve("rotated"));
        TestTls rotated = new TestTls(rotatedDir);
        // as cert-manager or a Secret volume would: the key first, then the certificate, each replaced whole
        Files.move(rotated.keyFile, tls.keyFile, StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
        Files.move(rotated.certFile, tls.certFile, StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
        HttpClient trustsOnlyTheNewOne = HttpClient.newBuilder().sslContext(rotated.trustingContext("TLSv1.3")).build();
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try {
                new ApiClient(trustsOnlyTheNewOne, "https://localhost:" + port).call("GET", "sys/health", null, null, 200);
                last = null;
                break;
            } catch (IOException e) {
                last = e; // still the old certificate (checked at most once a second, on a handshake)
                Thread.sleep(200);
            }
        }
        assertTrue(last == null, "the new certificate was not served: " + last);
        assertThrows(IOException.class, () -> new ApiClient(HttpClient.newBuilder()
                .sslContext(tls.trustingContext("TLSv1.3")).build(), "https://localhost:" + port)
                .call("GET", "sys/health", null, null, 200), "the old certificate is no longer served");
        https = trustsOnlyTheNewOne;
        tls = rotated;
    }

    private ApiClient asClient(TestTls.ClientIdentity identity) throws Exception {
        return new ApiClient(HttpClient.newBuilder().sslContext(tls.clientContext(identity)).build(), "https://localhost:" + port);
    }

    private static boolean opensslAvailable() {
        try {
            return new ProcessBuilder("openssl", "version").start().waitFor() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    private String openssl(String protocolFlag) throws Exception {
        Process p = new ProcessBuilder("openssl", "s_client", "-connect", "127.0.0.1:" + port, protocolFlag,
                "-CAfile", tls.certFile.toString()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
}
