package io.custos.engine.auth.jwt;

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
import io.custos.engine.auth.OutboundHttps;
import io.custos.engine.sdk.EngineException;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Signature checks for JWT logins (Nimbus JOSE+JWT): only signed tokens, only the algorithms the
 * config pins, never HMAC (a public key is not a shared secret), keys from PEM public keys or a
 * JWKS fetched over pinned https.
 *
 * <p>The JWKS is cached for the provider's {@code Cache-Control: max-age} (clamped to
 * {@link #MIN_MAX_AGE}..{@link #MAX_MAX_AGE}, default {@link #DEFAULT_MAX_AGE}), so a key the
 * provider removed stops verifying within that time. A token naming an unknown {@code kid} may
 * trigger a re-fetch, but at most one per {@link #MIN_REFETCH} for the whole mount, and
 * concurrent callers share it: failed logins cannot make the broker hammer the provider.
 */
public final class JwtVerifier {
    public static final Duration DEFAULT_MAX_AGE = Duration.ofMinutes(5);
    static final Duration MIN_MAX_AGE = Duration.ofMinutes(1);
    static final Duration MAX_MAX_AGE = Duration.ofHours(1);
    static final Duration MIN_REFETCH = Duration.ofSeconds(10);
    private static final Pattern MAX_AGE = Pattern.compile("max-age=(\\d+)");
    private static final Set<JWSAlgorithm> ASYMMETRIC = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384,
            JWSAlgorithm.RS512, JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512, JWSAlgorithm.ES256,
            JWSAlgorithm.ES384, JWSAlgorithm.ES512, JWSAlgorithm.EdDSA, JWSAlgorithm.Ed25519);

    /** A fetched key set and when it stops being trusted without a re-fetch. */
    private record Fetched(JWKSet keys, Instant fetchedAt, Instant expiresAt) {
    }

    private final List<JWK> staticKeys;
    private final String jwksUrl;
    private final HttpClient http;
    private final Clock clock;
    private final List<JWSAlgorithm> allowed;
    private final Object fetchLock = new Object();
    private volatile Fetched jwks;
    private final AtomicLong fetches = new AtomicLong();

    public JwtVerifier(List<JWK> staticKeys, List<String> supportedAlgs) {
        this(staticKeys, null, null, Clock.systemUTC(), supportedAlgs);
    }

    /** Keys from {@code jwksUrl} (https, fetched with {@code http}) or, when it is null, {@code staticKeys}. */
    public JwtVerifier(List<JWK> staticKeys, String jwksUrl, HttpClient http, Clock clock, List<String> supportedAlgs) {
        this.staticKeys = staticKeys;
        this.jwksUrl = jwksUrl;
        this.http = http;
        this.clock = clock;
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

    /** How many times the JWKS was fetched (for tests and metrics). */
    public long fetchCount() {
        return fetches.get();
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

    private List<JWK> candidates(String kid, boolean unknownKid) {
        if (jwksUrl == null) {
            return staticKeys;
        }
        Fetched f = jwks;
        Instant now = clock.instant();
        if (f == null || !now.isBefore(f.expiresAt()) || unknownKid) {
            f = refetch(f, unknownKid);
        }
        if (kid == null) {
            return f.keys().getKeys();
        }
        JWK k = f.keys().getKeyByKeyId(kid);
        return k == null ? List.of() : List.of(k);
    }

    /**
     * One fetch for everyone waiting: whoever holds the lock fetches, the others then find a fresh
     * set. An unknown kid re-fetches only when the set is older than {@link #MIN_REFETCH}.
     */
    private Fetched refetch(Fetched seen, boolean unknownKid) {
        synchronized (fetchLock) {
            Fetched current = jwks;
            Instant now = clock.instant();
            if (current != null && current != seen && now.isBefore(current.expiresAt())) {
                return current; // another caller fetched while this one waited
            }
            if (current != null && now.isBefore(current.expiresAt()) && unknownKid
                    && now.isBefore(current.fetchedAt().plus(MIN_REFETCH))) {
                return current; // rate limit: an unknown kid does not fetch again so soon
            }
            Fetched fresh = fetch(now);
            jwks = fresh;
            return fresh;
        }
    }

    private Fetched fetch(Instant now) {
        fetches.incrementAndGet();
        try {
            OutboundHttps.Reply r = OutboundHttps.get(http, jwksUrl);
            if (r.status() != 200) {
                throw EngineException.badRequest("cannot fetch the JWKS: " + jwksUrl + " answered " + r.status());
            }
            JWKSet set = JWKSet.parse(new String(r.body(), StandardCharsets.UTF_8));
            return new Fetched(set, now, now.plus(maxAge(r.headers().firstValue("Cache-Control").orElse(""))));
        } catch (IOException | ParseException e) {
            throw EngineException.badRequest("cannot fetch the JWKS from " + jwksUrl + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw EngineException.badRequest("interrupted fetching the JWKS");
        }
    }

    static Duration maxAge(String cacheControl) {
        Matcher m = MAX_AGE.matcher(cacheControl);
        if (!m.find()) {
            return DEFAULT_MAX_AGE;
        }
        long seconds;
        try {
            seconds = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            return MAX_MAX_AGE;
        }
        Duration d = Duration.ofSeconds(seconds);
        return d.compareTo(MIN_MAX_AGE) < 0 ? MIN_MAX_AGE : d.compareTo(MAX_MAX_AGE) > 0 ? MAX_MAX_AGE : d;
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
