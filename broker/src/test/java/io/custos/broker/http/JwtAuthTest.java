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
import io.custos.broker.barrier.BarrierStorage;
import io.custos.broker.mount.AuthMountTable;
import io.custos.broker.storage.ChangeFeed;
import io.custos.engine.sdk.MutableClock;
import io.custos.broker.testing.TestHttps;
import io.custos.engine.auth.jwt.JwtVerifier;
import io.custos.engine.sdk.Json;
import io.micronaut.test.annotation.MockBean;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** JWT login: a good token, and each attack or mismatch refused with a 400 that says why. */
@MicronautTest(transactional = false)
class JwtAuthTest extends BrokerHttpTest {
    private String root;
    private RSAKey signing;
    private RSAKey other;
    private TestHttps jwksServer;
    private final AtomicReference<String> jwksBody = new AtomicReference<>();
    private final AtomicInteger jwksHits = new AtomicInteger();
    private final AtomicReference<String> cacheControl = new AtomicReference<>("");
    private final MutableClock clock = new MutableClock();
    @Inject
    AuthMountTable authMounts;
    @Inject
    BarrierStorage storage;
    @Inject
    ChangeFeed feed;

    @MockBean(Clock.class)
    Clock clock() {
        return clock;
    }

    @BeforeAll
    void setUp() throws Exception {
        root = initAndUnseal();
        signing = new RSAKeyGenerator(2048).keyID("k1").generate();
        other = new RSAKeyGenerator(2048).keyID("k2").generate();
        String pem = pem(signing);
        call("POST", "sys/auth/jwt", root, "{\"type\":\"jwt\"}");
        assertEquals(204, call("POST", "auth/jwt/config", root, Json.MAPPER.writeValueAsString(Map.of(
                "jwt_validation_pubkeys", List.of(pem), "bound_issuer", "https://issuer.example",
                "jwt_supported_algs", List.of("RS256")))).status());
        assertEquals(204, call("POST", "auth/jwt/role/web", root, Json.MAPPER.writeValueAsString(Map.of(
                "bound_audiences", List.of("custos"), "user_claim", "sub", "bound_claims", Map.of("team", List.of("web", "ops")),
                "claim_mappings", Map.of("email", "email"), "token_policies", "default", "token_ttl", "10m"))).status());

        jwksServer = TestHttps.start();
        jwksServer.handle("/jwks", ex -> {
            jwksHits.incrementAndGet();
            byte[] b = jwksBody.get().getBytes(StandardCharsets.UTF_8);
            if (!cacheControl.get().isEmpty()) {
                ex.getResponseHeaders().add("Cache-Control", cacheControl.get());
            }
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        jwksServer.handle("/huge", ex -> {
            ex.sendResponseHeaders(200, 0);
            byte[] chunk = new byte[64 * 1024];
            Arrays.fill(chunk, (byte) ' ');
            try {
                for (int i = 0; i < 40; i++) {
                    ex.getResponseBody().write(chunk); // 2.5 MiB of nothing
                }
            } catch (IOException e) {
                // the broker stopped reading at its limit
            }
            ex.close();
        });
        jwksServer.handle("/.well-known/openid-configuration", ex -> {
            byte[] b = ("{\"issuer\":\"" + jwksServer.url() + "\",\"jwks_uri\":\"" + jwksServer.url() + "/jwks\"}")
                    .getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        jwksBody.set(new JWKSet(List.of(signing.toPublicJWK())).toString());
        call("POST", "sys/auth/jwks", root, "{\"type\":\"jwt\"}");
        assertEquals(204, call("POST", "auth/jwks/config", root, Json.MAPPER.writeValueAsString(Map.of(
                "jwks_url", jwksServer.url() + "/jwks", "jwks_ca_pem", jwksServer.caPem(),
                "bound_issuer", "https://issuer.example"))).status());
        call("POST", "auth/jwks/role/web", root, Json.MAPPER.writeValueAsString(Map.of(
                "bound_audiences", "custos", "user_claim", "sub", "token_policies", "default")));
    }

    @AfterAll
    void stopServer() {
        jwksServer.close();
    }

    private JWTClaimsSet.Builder claims() {
        Instant now = clock.instant();
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

    /**
     * The SDK's invalidation hook: another node rewrites the method's config in storage (here
     * straight through the barrier, bypassing this node's backend). Once the change feed has
     * passed the change on to the mount's backend, the new keys, and only they, are trusted.
     */
    @Test
    void aConfigChangedElsewhereReachesTheVerifierThroughTheInvalidationHook() throws Exception {
        call("POST", "sys/auth/jwt-elsewhere", root, "{\"type\":\"jwt\"}");
        assertEquals(204, call("POST", "auth/jwt-elsewhere/config", root, Json.MAPPER.writeValueAsString(Map.of(
                "jwt_validation_pubkeys", List.of(pem(signing)), "bound_issuer", "https://issuer.example",
                "jwt_supported_algs", List.of("RS256")))).status());
        assertEquals(204, call("POST", "auth/jwt-elsewhere/role/web", root, Json.MAPPER.writeValueAsString(Map.of(
                "bound_audiences", List.of("custos"), "user_claim", "sub", "token_policies", "default"))).status());
        assertEquals(200, login("jwt-elsewhere", sign(signing, b -> { })).status());

        String key = authMounts.get("jwt-elsewhere").orElseThrow().storagePrefix() + "config";
        Map<String, Object> config = Json.readMap(storage.get(key).orElseThrow());
        String field = config.containsKey("jwtValidationPubkeys") ? "jwtValidationPubkeys" : "jwt_validation_pubkeys";
        config.put(field, List.of(pem(other)));
        storage.put(key, Json.write(config));
        assertTrue(feed.caughtUp(Duration.ofSeconds(10)), "the change feed passed the write on");
        assertEquals(200, login("jwt-elsewhere", sign(other, b -> { })).status());
        assertEquals(400, login("jwt-elsewhere", sign(signing, b -> { })).status());
    }

    private static String pem(RSAKey key) throws Exception {
        return "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder().encodeToString(key.toRSAPublicKey().getEncoded())
                + "\n-----END PUBLIC KEY-----\n";
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

        assertRefused(login("jwt", sign(signing, b -> b.expirationTime(Date.from(clock.instant().minusSeconds(7200))))), "expired");
        assertRefused(login("jwt", sign(signing, b -> b.notBeforeTime(Date.from(clock.instant().plusSeconds(7200))))), "not yet valid");
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
    void oidcDiscoveryFindsTheJwksAndItsIssuerIsEnforced() throws Exception {
        jwksBody.set(new JWKSet(List.of(signing.toPublicJWK())).toString());
        call("POST", "sys/auth/oidc", root, "{\"type\":\"jwt\"}");
        assertEquals(204, call("POST", "auth/oidc/config", root, Json.MAPPER.writeValueAsString(Map.of(
                "oidc_discovery_url", jwksServer.url(), "oidc_discovery_ca_pem", jwksServer.caPem()))).status());
        call("POST", "auth/oidc/role/web", root, "{\"bound_audiences\":\"custos\",\"user_claim\":\"sub\"}");
        assertEquals(200, login("oidc", sign(signing, b -> b.issuer(jwksServer.url()))).status());
        // no bound_issuer: the issuer discovery announced is still the only one accepted
        assertRefused(login("oidc", sign(signing, b -> b.issuer("https://evil.example"))),
                "iss does not match the issuer OIDC discovery announced");
        assertEquals(400, call("POST", "auth/oidc/config", root,
                "{\"oidc_discovery_url\":\"https://127.0.0.1:1\"}").status(), "an unreachable issuer is a 400");
        assertEquals(400, call("POST", "auth/oidc/config", root, Json.MAPPER.writeValueAsString(Map.of(
                "oidc_discovery_url", jwksServer.url()))).status(), "without the pinned CA the provider is not trusted");
    }

    @Test
    void providersMustBeHttpsAndTheirAnswersBounded() throws Exception {
        call("POST", "sys/auth/plain", root, "{\"type\":\"jwt\"}");
        Reply plain = call("POST", "auth/plain/config", root, "{\"jwks_url\":\"http://127.0.0.1:9/jwks\"}");
        assertEquals(400, plain.status());
        assertEquals("jwks_url must be an https:// URL", plain.error());
        assertEquals(400, call("POST", "auth/plain/config", root, "{\"oidc_discovery_url\":\"http://127.0.0.1:9\"}")
                .status());
        assertEquals(204, call("POST", "auth/plain/config", root, Json.MAPPER.writeValueAsString(Map.of(
                "jwks_url", jwksServer.url() + "/huge", "jwks_ca_pem", jwksServer.caPem()))).status());
        call("POST", "auth/plain/role/web", root, "{\"bound_audiences\":\"custos\",\"user_claim\":\"sub\"}");
        assertRefused(login("plain", sign(signing, b -> { })), "larger than 1048576 bytes");
    }

    @Test
    void jwksIsCachedRefreshedOnAnUnknownKidAtMostEveryTenSecondsAndExpires() throws Exception {
        jwksBody.set(new JWKSet(List.of(signing.toPublicJWK())).toString());
        clock.advance(Duration.ofHours(2)); // whatever earlier tests cached has expired
        assertEquals(200, login("jwks", sign(signing, b -> { })).status());
        int hits = jwksHits.get();
        for (int i = 0; i < 50; i++) {
            assertRefused(login("jwks", sign(other, b -> { })), "signature does not verify");
        }
        assertTrue(jwksHits.get() - hits <= 1, "50 unknown-kid failures fetched " + (jwksHits.get() - hits) + " times");
        jwksBody.set(new JWKSet(List.of(signing.toPublicJWK(), other.toPublicJWK())).toString());
        clock.advance(Duration.ofSeconds(11));
        assertEquals(200, login("jwks", sign(other, b -> { })).status(), "the new key is fetched on its unknown kid");
        // the provider removes a key: once the cached set expires, it no longer verifies
        jwksBody.set(new JWKSet(List.of(other.toPublicJWK())).toString());
        assertEquals(200, login("jwks", sign(signing, b -> { })).status(), "still cached");
        clock.advance(JwtVerifier.DEFAULT_MAX_AGE.plusSeconds(1));
        assertRefused(login("jwks", sign(signing, b -> { })), "signature does not verify");
    }

    private static byte[] padded(byte[] key) {
        return key.length >= 32 ? key : Arrays.copyOf(key, 32);
    }

    private static void assertRefused(Reply r, String reason) {
        assertEquals(400, r.status(), () -> String.valueOf(r.json()));
        assertTrue(r.error().contains(reason),
                r.error() + " should say " + reason);
    }
}
