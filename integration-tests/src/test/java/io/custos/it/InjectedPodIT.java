package io.custos.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.flipkart.zjsonpatch.JsonPatch;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.custos.testing.TestPostgres;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The injector end to end, short of a cluster: a dev broker with Kubernetes auth (offline keys) and
 * a real PostgreSQL target; the injector (its jar, over TLS 1.3) patches a Deployment's pod; the
 * patched pod is run locally ({@link LocalPod}) — its agent containers as processes with their
 * volumes as directories. Without native sidecars: the init agent renders, the files are in the
 * application's directory before it "starts", the sidecar adopts the init agent's lease and renews
 * it, and exactly one database user exists. With native sidecars: the one agent's startup probe
 * passes once the files exist, again with one user.
 */
class InjectedPodIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static String serviceAccountToken(RSAKey key) throws Exception {
        Instant now = Instant.now();
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.RS256), new JWTClaimsSet.Builder()
                .issuer("https://kubernetes.default.svc.cluster.local").subject("system:serviceaccount:shop:web")
                .audience("custos").issueTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(3600)))
                .claim("kubernetes.io", Map.of("namespace", "shop", "serviceaccount", Map.of("name", "web", "uid",
                        UUID.randomUUID().toString()), "pod", Map.of("name", "web-1", "uid", UUID.randomUUID().toString())))
                .build());
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    private static JsonNode pod() throws Exception {
        return JSON.readTree("""
                {"kind":"Pod","apiVersion":"v1","metadata":{"generateName":"web-7d9f8b6c5d-","namespace":"shop",
                 "annotations":{"custos.io/agent-inject":"true","custos.io/role":"web",
                  "custos.io/agent-inject-secret-db":"database/creds/app",
                  "custos.io/agent-inject-template-db":"{{ with secret \\"database/creds/app\\" }}{{ .Data.username }}:{{ .Data.password }}{{ end }}",
                  "custos.io/agent-inject-secret-config":"secret/data/web/config"},
                 "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web-7d9f8b6c5d","uid":"1f9c6e2a-3b4d-4e5f-8a9b-0c1d2e3f4a5b","controller":true}]},
                 "spec":{"containers":[{"name":"web","image":"registry.example/shop/web:2.4.1"}],"serviceAccountName":"web"}}
                """);
    }

    private static Set<String> users(TestPostgres.Database target) throws Exception {
        return new TreeSet<>(DatabaseTarget.roles(target, "pod-"));
    }

    private static void logIn(TestPostgres.Database target, String credentials) throws Exception {
        String[] up = credentials.split(":", 2);
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://" + target.host() + ":" + target.port() + "/"
                + target.name(), up[0], up[1])) {
            assertTrue(c.isValid(5));
        }
    }

    @Test
    void aPatchedPodRunLocallyHasItsSecretsBeforeItStartsAndOneDatabaseUser() throws Exception {
        TestPostgres.Database storage = TestPostgres.shared().createDatabase();
        TestPostgres.Database target = TestPostgres.shared().createDatabase();
        int port = BrokerProcess.freePort();
        ApiClient api = new ApiClient(HttpClient.newHttpClient(), "http://127.0.0.1:" + port);
        String root = DatabaseTarget.ROOT;
        RSAKey key = new RSAKeyGenerator(2048).generate();
        String pem = "-----BEGIN PUBLIC KEY-----\\n" + Base64.getEncoder().encodeToString(key.toRSAPublicKey().getEncoded())
                + "\\n-----END PUBLIC KEY-----\\n";
        TestTls tls = new TestTls(dir);
        HttpClient https = HttpClient.newBuilder().sslContext(tls.trustingContext("TLSv1.3")).build();
        try (BrokerProcess broker = DatabaseTarget.start(port, DatabaseTarget.env(storage, dir.resolve("dev"), Map.of()),
                dir)) {
            DatabaseTarget.configure(api, target, "app", "{\"db_name\":\"app\",\"creation_statements\":\"CREATE ROLE "
                    + "\\\"{{name}}\\\" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}'\","
                    + "\"default_ttl\":\"8s\",\"max_ttl\":\"10m\"}", "pod-{{random 12 | lowercase}}");
            api.call("POST", "secret/data/web/config", root, "{\"data\":{\"greeting\":\"hello\"}}", 200);
            api.call("PUT", "sys/policies/acl/web", root, "{\"policy\":\"path \\\"database/creds/app\\\" { capabilities = "
                    + "[\\\"read\\\"] }\\npath \\\"secret/data/web/*\\\" { capabilities = [\\\"read\\\"] }\\n"
                    + "path \\\"sys/internal/ui/mounts/*\\\" { capabilities = [\\\"read\\\"] }\"}", 204);
            api.call("POST", "sys/auth/kubernetes", root, "{\"type\":\"kubernetes\"}", 204);
            api.call("POST", "auth/kubernetes/config", root, "{\"pem_keys\":[\"" + pem + "\"],\"issuer\":"
                    + "\"https://kubernetes.default.svc.cluster.local\"}", 204);
            api.call("POST", "auth/kubernetes/role/web", root, "{\"bound_service_account_names\":\"web\","
                    + "\"bound_service_account_namespaces\":\"shop\",\"audience\":\"custos\",\"token_policies\":\"web\","
                    + "\"token_ttl\":\"1h\"}", 204);
            String saToken = serviceAccountToken(key);

            for (boolean nativeSidecar : List.of(false, true)) {
                int injectorPort = BrokerProcess.freePort();
                try (BrokerProcess injector = BrokerProcess.startInjector(List.of("injector",
                        "-listen-address=127.0.0.1:" + injectorPort, "-tls-cert-file=" + tls.certFile,
                        "-tls-key-file=" + tls.keyFile, "-custos-address=http://127.0.0.1:" + port,
                        "-agent-image=registry.example/custos/agent:test", "-namespace=custos",
                        "-native-sidecar=" + nativeSidecar), Map.of(), dir)) {
                    injector.awaitOutput("custos injector listening", Duration.ofSeconds(30));
                    ObjectNode review = JSON.createObjectNode();
                    review.put("apiVersion", "admission.k8s.io/v1").put("kind", "AdmissionReview");
                    ObjectNode req = review.putObject("request");
                    req.put("uid", UUID.randomUUID().toString()).put("namespace", "shop").put("operation", "CREATE");
                    req.putObject("kind").put("group", "").put("version", "v1").put("kind", "Pod");
                    req.set("object", pod());
                    HttpResponse<String> r = https.send(HttpRequest.newBuilder(URI.create("https://localhost:"
                            + injectorPort + "/mutate")).header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(review))).build(),
                            HttpResponse.BodyHandlers.ofString());
                    assertEquals(200, r.statusCode(), r.body());
                    JsonNode response = JSON.readTree(r.body()).path("response");
                    assertTrue(response.path("allowed").asBoolean(), r.body());
                    JsonNode patched = JsonPatch.apply(JSON.readTree(Base64.getDecoder().decode(
                            response.path("patch").asText())), pod());
                    LocalPod pod = new LocalPod(patched, dir.resolve(nativeSidecar ? "native" : "legacy"), saToken);
                    Set<String> before = users(target);

                    BrokerProcess sidecar;
                    if (nativeSidecar) {
                        sidecar = pod.start("initContainers", "custos-agent", LocalPod.none());
                        assertTrue(DatabaseTarget.await(Duration.ofSeconds(60), () -> pod.probe("initContainers",
                                "custos-agent")), "the startup probe never passed:\n" + sidecar.output());
                    } else {
                        try (BrokerProcess init = pod.start("initContainers", "custos-agent-init", LocalPod.none())) {
                            assertEquals(0, init.awaitExit(Duration.ofSeconds(60)), init.output());
                        }
                        sidecar = null;
                    }
                    // the application "starts": its files are there
                    String credentials = pod.read("web", "/custos/secrets/db");
                    assertTrue(credentials.startsWith("pod-"), credentials.isEmpty() ? "no credentials" : "credentials");
                    // vault-k8s's default template on a KV v2 path: "data: map[...]" and "metadata: map[...]" lines
                    String config = pod.read("web", "/custos/secrets/config");
                    assertTrue(config.startsWith("data: map[greeting:hello]\nmetadata: map["), config);
                    logIn(target, credentials);
                    Set<String> mine = users(target);
                    mine.removeAll(before);
                    assertEquals(1, mine.size(), "one database user for the pod");

                    try (BrokerProcess agent = sidecar != null ? sidecar
                            : pod.start("containers", "custos-agent", LocalPod.none())) {
                        // past the 8 s TTL: the sidecar renewed the same lease (the user still logs in), no second user
                        Thread.sleep(12_000);
                        assertEquals(credentials, pod.read("web", "/custos/secrets/db"), agent.output());
                        logIn(target, credentials);
                        Set<String> after = users(target);
                        after.removeAll(before);
                        assertEquals(mine, after, "the sidecar adopted the credentials instead of minting new ones");
                    }
                }
            }
            assertTrue(broker.output().length() > 0);
        }
    }
}
