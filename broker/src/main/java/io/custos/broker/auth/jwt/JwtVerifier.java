package io.custos.broker.auth.jwt;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.Ed25519Verifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.custos.engine.sdk.EngineException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.text.ParseException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Signature checks for JWT logins (Nimbus JOSE+JWT): only signed tokens, only the algorithms the
 * config pins, never HMAC (a public key is not a shared secret), keys from PEM public keys or a
 * JWKS that is cached and re-fetched once when a token names an unknown {@code kid}.
 */
public final class JwtVerifier {
    private static final Set<JWSAlgorithm> ASYMMETRIC = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384,
            JWSAlgorithm.RS512, JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512, JWSAlgorithm.ES256,
            JWSAlgorithm.ES384, JWSAlgorithm.ES512, JWSAlgorithm.EdDSA, JWSAlgorithm.Ed25519);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final List<JWK> staticKeys;
    private final String jwksUrl;
    private final List<JWSAlgorithm> allowed;
    private volatile JWKSet jwks;

    public JwtVerifier(List<JWK> staticKeys, String jwksUrl, List<String> supportedAlgs) {
        this.staticKeys = staticKeys;
        this.jwksUrl = jwksUrl;
        List<JWSAlgorithm> algs = new ArrayList<>();
        for (String a : supportedAlgs.isEmpty() ? List.of("RS256") : supportedAlgs) {
            JWSAlgorithm alg = JWSAlgorithm.parse(a);
            if (!ASYMMETRIC.contains(alg)) {
                throw EngineException.badRequest("unsupported signing algorithm \"" + a + "\": only asymmetric "
                        + "algorithms (RS*, PS*, ES*, EdDSA) can be verified with public keys");
            }
            algs.add(alg);
        }
        this.allowed = List.copyOf(algs);
    }

    public static List<JWK> parsePemKeys(List<String> pems) {
        List<JWK> keys = new ArrayList<>();
        for (String pem : pems) {
            try {
                keys.add(JWK.parseFromPEMEncodedObjects(pem));
            } catch (JOSEException e) {
                throw EngineException.badRequest("jwt_validation_pubkeys: not a PEM public key");
            }
        }
        return keys;
    }

    /** The verified claims, or a 400 that says what was wrong (never the token itself). */
    public JWTClaimsSet verify(String token) {
        SignedJWT jwt;
        try {
            jwt = SignedJWT.parse(token);
        } catch (ParseException e) {
            throw EngineException.badRequest("invalid JWT: not a signed JWT (unsigned \"alg\":\"none\" tokens are refused)");
        }
        JWSHeader header = jwt.getHeader();
        if (!allowed.contains(header.getAlgorithm())) {
            throw EngineException.badRequest("invalid JWT: signing algorithm " + header.getAlgorithm()
                    + " is not allowed (supported: " + allowed + ")");
        }
        for (JWK key : candidates(header.getKeyID(), false)) {
            if (verifies(jwt, key)) {
                return claims(jwt);
            }
        }
        if (jwksUrl != null && header.getKeyID() != null) {
            for (JWK key : candidates(header.getKeyID(), true)) {
                if (verifies(jwt, key)) {
                    return claims(jwt);
                }
            }
        }
        throw EngineException.badRequest("invalid JWT: signature does not verify with any configured key");
    }

    private List<JWK> candidates(String kid, boolean refresh) {
        if (jwksUrl == null) {
            return staticKeys;
        }
        JWKSet set = jwks;
        if (set == null || refresh) {
            set = fetch();
            jwks = set;
        }
        if (kid == null) {
            return set.getKeys();
        }
        JWK k = set.getKeyByKeyId(kid);
        return k == null ? List.of() : List.of(k);
    }

    private JWKSet fetch() {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(jwksUrl)).timeout(Duration.ofSeconds(10))
                    .build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw EngineException.badRequest("cannot fetch the JWKS: " + jwksUrl + " answered " + r.statusCode());
            }
            return JWKSet.parse(r.body());
        } catch (IOException | ParseException e) {
            throw EngineException.badRequest("cannot fetch the JWKS from " + jwksUrl + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw EngineException.badRequest("interrupted fetching the JWKS");
        }
    }

    private static boolean verifies(SignedJWT jwt, JWK key) {
        try {
            JWSVerifier v;
            if (key instanceof RSAKey rsa) {
                v = new RSASSAVerifier(rsa.toRSAPublicKey());
            } else if (key instanceof ECKey ec) {
                v = new ECDSAVerifier(ec.toECPublicKey());
            } else if (key instanceof OctetKeyPair okp) {
                v = new Ed25519Verifier(okp.toPublicJWK());
            } else {
                return false;
            }
            return jwt.verify(v);
        } catch (JOSEException | IllegalStateException e) {
            return false;
        }
    }

    private static JWTClaimsSet claims(SignedJWT jwt) {
        try {
            return jwt.getJWTClaimsSet();
        } catch (ParseException e) {
            throw EngineException.badRequest("invalid JWT: the claims are not a JSON object");
        }
    }
}
