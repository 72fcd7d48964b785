package io.custos.broker.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.custos.broker.testing.TestHttps;
import io.custos.engine.sdk.Json;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Kubernetes login: offline against the cluster's keys, and through a TokenReview endpoint over pinned TLS. */
@MicronautTest(transactional = false)
class KubernetesAuthTest extends BrokerHttpTest {
    private String root;
    private RSAKey saKey;
    private RSAKey otherKey;
    private TestHttps apiServer;

    @BeforeAll
    void setUp() throws Exception {
        root = initAndUnseal();
        saKey = new RSAKeyGenerator(2048).generate();
        otherKey = new RSAKeyGenerator(2048).generate();
        String pem = "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder().encodeToString(
                saKey.toRSAPublicKey().getEncoded()) + "\n-----END PUBLIC KEY-----\n";
        call("POST", "sys/auth/kubernetes", root, "{\"type\":\"kubernetes\"}");
        assertEquals(204, call("POST", "auth/kubernetes/config", root, Json.MAPPER.writeValueAsString(Map.of(
                "pem_keys", List.of(pem), "issuer", "kubernetes/serviceaccount"))).status());
        assertEquals(204, call("POST", "auth/kubernetes/role/app", root, "{\"bound_service_account_names\":\"web\","
                + "\"bound_service_account_namespaces\":\"prod\",\"token_policies\":\"default\",\"token_ttl\":\"15m\"}").status());
        startTokenReview();
    }

    @AfterAll
    void stop() {
        apiServer.close();
    }

    /** Legacy claim names, but with an exp (offline checks need one). */
    private String legacyToken(RSAKey key, String ns, String name) throws Exception {
        return legacyToken(key, ns, name, Instant.now().plusSeconds(600));
    }

    private String legacyToken(RSAKey key, String ns, String name, Instant exp) throws Exception {
        JWTClaimsSet c = new JWTClaimsSet.Builder().issuer("kubernetes/serviceaccount")
                .expirationTime(exp == null ? null : Date.from(exp))
                .claim("kubernetes.io/serviceaccount/namespace", ns)
                .claim("kubernetes.io/serviceaccount/service-account.name", name)
                .claim("kubernetes.io/serviceaccount/service-account.uid", "uid-1").subject("system:serviceaccount:" + ns + ":" + name)
                .build();
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.RS256), c);
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    private String projectedToken(Instant exp) throws Exception {
        JWTClaimsSet c = new JWTClaimsSet.Builder().issuer("kubernetes/serviceaccount").audience("custos")
                .expirationTime(Date.from(exp))
                .claim("kubernetes.io", Map.of("namespace", "prod", "serviceaccount", Map.of("name", "web", "uid", "u2")))
                .build();
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.RS256), c);
        jwt.sign(new RSASSASigner(saKey));
        return jwt.serialize();
    }

    private Reply login(String mount, String role, String jwt) {
        return call("POST", "auth/" + mount + "/login", null, "{\"role\":\"" + role + "\",\"jwt\":\"" + jwt + "\"}");
    }

    @Test
    void offlineLoginAndItsRefusals() throws Exception {
        Reply ok = login("kubernetes", "app", legacyToken(saKey, "prod", "web"));
        assertEquals(200, ok.status(), () -> String.valueOf(ok.json()));
        assertEquals("web", ok.json().get("auth").get("metadata").get("service_account_name").asText());
        assertEquals(900, ok.json().get("auth").get("lease_duration").asInt());
        assertEquals("namespace not authorized", login("kubernetes", "app", legacyToken(saKey, "dev", "web")).error());
        assertEquals("service account name not authorized",
                login("kubernetes", "app", legacyToken(saKey, "prod", "db")).error());
        assertTrue(login("kubernetes", "app", legacyToken(otherKey, "prod", "web")).error().contains("signature"));
        assertEquals(200, login("kubernetes", "app", projectedToken(Instant.now().plusSeconds(600))).status());
        assertTrue(login("kubernetes", "app", projectedToken(Instant.now().minusSeconds(600))).error().contains("expired"));
        assertEquals(400, login("kubernetes", "nope", legacyToken(saKey, "prod", "web")).status());
        // a token that never expires cannot be judged offline: only the cluster knows whether it was revoked
        assertTrue(login("kubernetes", "app", legacyToken(saKey, "prod", "web", null)).error().contains("no exp claim"));
    }

    @Test
    void offlineLoginAgainstTheClustersJwks() throws Exception {
        RSAKey keyed = new RSAKey.Builder(saKey).keyID("sa-1").build();
        byte[] body = new JWKSet(keyed.toPublicJWK()).toString().getBytes();
        try (TestHttps jwks = TestHttps.start()) {
            jwks.handle("/openid/v1/jwks", ex -> {
                ex.sendResponseHeaders(200, body.length);
                ex.getResponseBody().write(body);
                ex.close();
            });
            call("POST", "sys/auth/k8s-jwks", root, "{\"type\":\"kubernetes\"}");
            assertEquals(400, call("POST", "auth/k8s-jwks/config", root, "{\"jwks_url\":\"http://127.0.0.1:9/jwks\"}")
                    .status(), "the cluster's JWKS only over https");
            // jwks_url is fetched trusting kubernetes_ca_cert: with it the login works
            assertEquals(204, call("POST", "auth/k8s-jwks/config", root, Json.MAPPER.writeValueAsString(Map.of(
                    "jwks_url", jwks.url() + "/openid/v1/jwks", "issuer", "kubernetes/serviceaccount",
                    "kubernetes_ca_cert", jwks.caPem()))).status());
            call("POST", "auth/k8s-jwks/role/app", root, "{\"bound_service_account_names\":\"web\","
                    + "\"bound_service_account_namespaces\":\"prod\"}");
            assertEquals(200, login("k8s-jwks", "app", legacyToken(saKey, "prod", "web")).status());
            assertTrue(login("k8s-jwks", "app", legacyToken(otherKey, "prod", "web")).error().contains("signature"));
            // and without it the JVM's trust store does not know the cluster's CA
            call("POST", "sys/auth/k8s-jwks2", root, "{\"type\":\"kubernetes\"}");
            call("POST", "auth/k8s-jwks2/config", root, Json.MAPPER.writeValueAsString(Map.of(
                    "jwks_url", jwks.url() + "/openid/v1/jwks", "issuer", "kubernetes/serviceaccount")));
            call("POST", "auth/k8s-jwks2/role/app", root, "{\"bound_service_account_names\":\"web\","
                    + "\"bound_service_account_namespaces\":\"prod\"}");
            assertTrue(login("k8s-jwks2", "app", legacyToken(saKey, "prod", "web")).error().contains("cannot fetch"));
        }
    }

    @Test
    void tokenReviewLoginOverPinnedTls() throws Exception {
        Reply good = login("k8s-review", "app", "good-pod-token");
        assertEquals(200, good.status(), () -> String.valueOf(good.json()));
        assertEquals("prod", good.json().get("auth").get("metadata").get("service_account_namespace").asText());
        assertEquals("the cluster did not authenticate the service-account token",
                login("k8s-review", "app", "forged-token").error());
        // the role asks for audience "custos"; a token the API server vouches for only for "other" is refused
        assertEquals("the service-account token is not valid for the role's audience",
                login("k8s-review", "aud", "other-audience-token").error());
        assertEquals(200, login("k8s-review", "aud", "good-pod-token").status());
    }

    private void startTokenReview() throws Exception {
        apiServer = TestHttps.start();
        apiServer.handle("/apis/authentication.k8s.io/v1/tokenreviews", ex -> {
            Map<String, Object> review = Json.readMap(ex.getRequestBody().readAllBytes());
            String token = String.valueOf(((Map<?, ?>) review.get("spec")).get("token"));
            boolean reviewer = "Bearer reviewer-jwt".equals(ex.getRequestHeaders().getFirst("Authorization"));
            Object asked = ((Map<?, ?>) review.get("spec")).get("audiences");
            Map<String, Object> user = Map.of("username", "system:serviceaccount:prod:web", "uid", "u3");
            Map<String, Object> status;
            if (reviewer && token.equals("good-pod-token")) {
                status = asked == null ? Map.of("authenticated", true, "user", user)
                        : Map.of("authenticated", true, "user", user, "audiences", asked);
            } else if (reviewer && token.equals("other-audience-token")) {
                status = Map.of("authenticated", true, "user", user, "audiences", List.of("other"));
            } else {
                status = Map.of("authenticated", false);
            }
            byte[] out = Json.write(Map.of("apiVersion", "authentication.k8s.io/v1", "kind", "TokenReview", "status", status));
            ex.sendResponseHeaders(201, out.length);
            ex.getResponseBody().write(out);
            ex.close();
        });
        call("POST", "sys/auth/k8s-review", root, "{\"type\":\"kubernetes\"}");
        assertEquals(204, call("POST", "auth/k8s-review/config", root, Json.MAPPER.writeValueAsString(Map.of(
                "kubernetes_host", apiServer.url(), "kubernetes_ca_cert", apiServer.caPem(),
                "token_reviewer_jwt", "reviewer-jwt"))).status());
        call("POST", "auth/k8s-review/role/app", root, "{\"bound_service_account_names\":\"*\","
                + "\"bound_service_account_namespaces\":\"prod\",\"token_policies\":\"default\"}");
        call("POST", "auth/k8s-review/role/aud", root, "{\"bound_service_account_names\":\"*\","
                + "\"bound_service_account_namespaces\":\"prod\",\"audience\":\"custos\"}");
    }
}
