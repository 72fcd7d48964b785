package io.custos.broker.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import io.custos.engine.sdk.Json;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** JWT login: a good token, and each attack or mismatch refused with a 400 that says why. */
@MicronautTest
class JwtAuthTest extends BrokerHttpTest {
    private String root;
    private RSAKey signing;
    private RSAKey other;
    private HttpServer jwksServer;
    private final AtomicReference<String> jwksBody = new AtomicReference<>();

    @BeforeAll
    void setUp() throws Exception {
        root = initAndUnseal();
        signing = new RSAKeyGenerator(2048).keyID("k1").generate();
        other = new RSAKeyGenerator(2048).keyID("k2").generate();
        String pem = "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder().encodeToString(
                signing.toRSAPublicKey().getEncoded()) + "\n-----END PUBLIC KEY-----\n";
        call("POST", "sys/auth/jwt", root, "{\"type\":\"jwt\"}");
        assertEquals(204, call("POST", "auth/jwt/config", root, Json.MAPPER.writeValueAsString(Map.of(
                "jwt_validation_pubkeys", List.of(pem), "bound_issuer", "https://issuer.example",
                "jwt_supported_algs", List.of("RS256")))).status());
        assertEquals(204, call("POST", "auth/jwt/role/web", root, Json.MAPPER.writeValueAsString(Map.of(
                "bound_audiences", List.of("custos"), "user_claim", "sub", "bound_claims", Map.of("team", List.of("web", "ops")),
                "claim_mappings", Map.of("email", "email"), "token_policies", "default", "token_ttl", "10m"))).status());

        jwksServer = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        jwksServer.createContext("/jwks", ex -> {
            byte[] b = jwksBody.get().getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        jwksServer.createContext("/.well-known/openid-configuration", ex -> {
            byte[] b = ("{\"issuer\":\"https://issuer.example\",\"jwks_uri\":\"http://127.0.0.1:"
                    + jwksServer.getAddress().getPort() + "/jwks\"}").getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        jwksServer.start();
        jwksBody.set(new JWKSet(List.of(signing.toPublicJWK())).toString());
        call("POST", "sys/auth/jwks", root, "{\"type\":\"jwt\"}");
        assertEquals(204, call("POST", "auth/jwks/config", root, Json.MAPPER.writeValueAsString(Map.of(
                "jwks_url", "http://127.0.0.1:" + jwksServer.getAddress().getPort() + "/jwks",
                "bound_issuer", "https://issuer.example"))).status());
        call("POST", "auth/jwks/role/web", root, Json.MAPPER.writeValueAsString(Map.of(
                "bound_audiences", "custos", "user_claim", "sub", "token_policies", "default")));
    }

    @AfterAll
    void stopServer() {
        jwksServer.stop(0);
    }

    private JWTClaimsSet.Builder claims() {
        Instant now = Instant.now();
        return new JWTClaimsSet.Builder().issuer("https://issuer.example").subject("alice").audience("custos")
                .issueTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(300)))
                .claim("team", "web").claim("email", "alice@example.org");
    }

    private String sign(RSAKey key, Consumer<JWTClaimsSet.Builder> edit) throws Exception {
        JWTClaimsSet.Builder b = claims();
        edit.accept(b);
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(), b.build());
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    private Reply login(String mount, String jwt) {
        return call("POST", "auth/" + mount + "/login", null, "{\"role\":\"web\",\"jwt\":\"" + jwt + "\"}");
    }

    @Test
    void claimsCarryingQuotesBecomeACleanDisplayName() throws Exception {
        Reply ok = login("jwt", sign(signing, b -> b.subject("al\"ice'; DROP ROLE x; --")));
        assertEquals(200, ok.status(), () -> String.valueOf(ok.json()));
        String display = call("GET", "auth/token/lookup-self", ok.json().get("auth").get("client_token").asText(), null)
                .json().get("data").get("display_name").asText();
        assertTrue(display.matches("[A-Za-z0-9-]+"), display);
        assertTrue(display.startsWith("jwt-al-ice"), display);
    }

    @Test
    void aGoodTokenLogsIn() throws Exception {
        Reply ok = login("jwt", sign(signing, b -> { }));
        assertEquals(200, ok.status(), () -> String.valueOf(ok.json()));
        assertEquals("alice@example.org", ok.json().get("auth").get("metadata").get("email").asText());
        assertEquals(600, ok.json().get("auth").get("lease_duration").asInt());
        assertEquals(200, call("GET", "auth/token/lookup-self", ok.json().get("auth").get("client_token").asText(), null).status());
    }

    @Test
    void attacksAndMismatchesAreRefused() throws Exception {
        String none = new PlainJWT(claims().build()).serialize();
        assertRefused(login("jwt", none), "not a signed JWT");

        SignedJWT hmac = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims().build());
        hmac.sign(new MACSigner(padded(signing.toRSAPublicKey().getEncoded())));
        assertRefused(login("jwt", hmac.serialize()), "HS256 is not allowed");

        assertRefused(login("jwt", sign(signing, b -> b.expirationTime(Date.from(Instant.now().minusSeconds(7200))))), "expired");
        assertRefused(login("jwt", sign(signing, b -> b.notBeforeTime(Date.from(Instant.now().plusSeconds(7200))))), "not yet valid");
        assertRefused(login("jwt", sign(signing, b -> b.issuer("https://evil.example"))), "iss does not match");
        assertRefused(login("jwt", sign(signing, b -> b.audience("someone-else"))), "aud does not match");
        assertRefused(login("jwt", sign(signing, b -> b.claim("team", "finance"))), "\"team\" does not match");
        assertRefused(login("jwt", sign(other, b -> { })), "signature does not verify");
        String tampered = sign(signing, b -> { });
        String[] parts = tampered.split("\\.");
        String forged = parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(
                claims().subject("root").build().toString().getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
        assertRefused(login("jwt", forged), "signature does not verify");
        assertRefused(call("POST", "auth/jwt/login", null, "{\"role\":\"nobody\",\"jwt\":\"x.y.z\"}"), "could not be found");
        assertEquals(400, call("POST", "auth/jwt/config", root, "{\"jwt_supported_algs\":[\"HS256\"],"
                + "\"jwks_url\":\"http://127.0.0.1:1/\"}").status(), "HMAC algorithms cannot be configured");
    }

    @Test
    void oidcDiscoveryFindsTheJwks() throws Exception {
        call("POST", "sys/auth/oidc", root, "{\"type\":\"jwt\"}");
        assertEquals(204, call("POST", "auth/oidc/config", root, "{\"oidc_discovery_url\":\"http://127.0.0.1:"
                + jwksServer.getAddress().getPort() + "\",\"bound_issuer\":\"https://issuer.example\"}").status());
        call("POST", "auth/oidc/role/web", root, "{\"bound_audiences\":\"custos\",\"user_claim\":\"sub\"}");
        assertEquals(200, login("oidc", sign(signing, b -> { })).status());
        assertEquals(400, call("POST", "auth/oidc/config", root,
                "{\"oidc_discovery_url\":\"http://127.0.0.1:1\"}").status(), "an unreachable issuer is a 400");
    }

    @Test
    void jwksIsCachedAndRefreshedOnAnUnknownKid() throws Exception {
        assertEquals(200, login("jwks", sign(signing, b -> { })).status());
        assertRefused(login("jwks", sign(other, b -> { })), "signature does not verify");
        jwksBody.set(new JWKSet(List.of(signing.toPublicJWK(), other.toPublicJWK())).toString());
        assertEquals(200, login("jwks", sign(other, b -> { })).status(), "the new key is fetched on its unknown kid");
    }

    private static byte[] padded(byte[] key) {
        return key.length >= 32 ? key : java.util.Arrays.copyOf(key, 32);
    }

    private static void assertRefused(Reply r, String reason) {
        assertEquals(400, r.status(), () -> String.valueOf(r.json()));
        assertTrue(r.error().contains(reason),
                r.error() + " should say " + reason);
    }
}
