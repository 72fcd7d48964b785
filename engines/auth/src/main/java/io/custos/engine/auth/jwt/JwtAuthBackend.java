package io.custos.engine.auth.jwt;

import static io.custos.engine.sdk.Operation.READ;
import static io.custos.engine.sdk.Operation.UPDATE;

import com.nimbusds.jwt.JWTClaimsSet;
import io.custos.engine.auth.OutboundHttps;
import io.custos.engine.auth.RoleAuthBackend;
import io.custos.engine.auth.TokenSettings;
import io.custos.engine.sdk.Derived;
import io.custos.engine.sdk.EngineContext;
import io.custos.engine.sdk.EngineException;
import io.custos.engine.sdk.Field;
import io.custos.engine.sdk.FieldData;
import io.custos.engine.sdk.FieldType;
import io.custos.engine.sdk.Json;
import io.custos.engine.sdk.PathSpec;
import io.custos.engine.sdk.Response;
import java.io.IOException;
import java.net.http.HttpClient;
import java.time.Instant;
import java.util.Collection;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Vault's JWT auth method (JWT login; the OIDC browser flow is not offered): {@code config} pins the
 * keys (PEM public keys, a JWKS URL, or OIDC discovery) and the algorithms; {@code role/:name}
 * binds audiences, subject, claims and maps claims to metadata; {@code login {role, jwt}} verifies
 * the signature, then {@code exp}/{@code nbf} with the role's leeway, {@code iss}, {@code aud},
 * {@code sub} and bound claims, and asks the broker for a token.
 */
final class JwtAuthBackend extends RoleAuthBackend {
    /** The keys' verifier built from the stored config, with what discovery announced. */
    private final Derived<Keys> keys;

    JwtAuthBackend(EngineContext context) {
        super(context);
        this.keys = new Derived<>(context.system());
    }

    /** A verifier and the issuer OIDC discovery announced with its keys (null without discovery; enforced when bound_issuer is empty). */
    private record Keys(JwtVerifier verifier, String discoveredIssuer) {
    }

    /** The mount's config as stored. */
    public static final class Config {
        public String jwksUrl = "";
        public String oidcDiscoveryUrl = "";
        public List<String> jwtValidationPubkeys = List.of();
        public String boundIssuer = "";
        public List<String> jwtSupportedAlgs = List.of();
        public String jwksCaPem = "";
        public String oidcDiscoveryCaPem = "";
    }

    /** A role as stored (durations in seconds). */
    public static final class Role {
        public List<String> boundAudiences = List.of();
        public String userClaim = "sub";
        public String boundSubject = "";
        public Map<String, Object> boundClaims = Map.of();
        public Map<String, String> claimMappings = Map.of();
        public long clockSkewLeeway = 60;
        public TokenSettings token = new TokenSettings();
    }

    @Override
    protected List<PathSpec> declarePaths() {
        return List.of(
                PathSpec.path("config")
                        .fields(Field.of("jwks_url", FieldType.STRING, "JWKS URL of the issuer."),
                                Field.of("oidc_discovery_url", FieldType.STRING, "OIDC issuer URL (discovery)."),
                                Field.of("jwt_validation_pubkeys", FieldType.COMMA_STRING_LIST, "PEM public keys."),
                                Field.of("bound_issuer", FieldType.STRING, "Required iss claim."),
                                Field.of("jwt_supported_algs", FieldType.COMMA_STRING_LIST,
                                        "Allowed signing algorithms (default RS256); HMAC is never allowed."),
                                Field.of("jwks_ca_pem", FieldType.STRING,
                                        "PEM CA certificates trusted for jwks_url (default: the JVM trust store)."),
                                Field.of("oidc_discovery_ca_pem", FieldType.STRING,
                                        "PEM CA certificates trusted for OIDC discovery and its jwks_uri."))
                        .on(READ, (r, d) -> readConfig())
                        .on(UPDATE, (r, d) -> writeConfig(d))
                        .help("Where the signing keys come from, the issuer, and the allowed algorithms.", "").build(),
                roleList(),
                role("name", "Binds what a JWT must say to log in, and what token it gets.",
                        (r, d) -> readRole(d.getString("name")), (r, d) -> writeRole(d),
                        Field.of("role_type", FieldType.STRING, "jwt (oidc is not offered)."),
                        Field.of("bound_audiences", FieldType.COMMA_STRING_LIST, "Accepted aud values."),
                        Field.of("user_claim", FieldType.STRING, "The claim naming the user.").withDefault("sub"),
                        Field.of("bound_subject", FieldType.STRING, "Required sub."),
                        Field.of("bound_claims", FieldType.MAP, "Claim → required value or list of values."),
                        Field.of("claim_mappings", FieldType.STRING_MAP, "Claim → metadata key."),
                        Field.of("clock_skew_leeway", FieldType.DURATION, "Leeway for exp/nbf (default 60s).")),
                PathSpec.path("login")
                        .fields(Field.of("role", FieldType.STRING, "The role."),
                                Field.of("jwt", FieldType.STRING, "The signed JWT.").asSensitive())
                        .on(UPDATE, (r, d) -> login(d))
                        .help("Exchanges a signed JWT for a token.", "")
                        .unauthenticated()
                        .help("Exchanges a signed JWT for a token.", "").build());
    }

    private Config config() {
        return storage.get("config").map(b -> Json.read(b, Config.class))
                .orElseThrow(() -> EngineException.badRequest("the jwt method is not configured: write config first"));
    }

    private Response readConfig() {
        Config c = storage.get("config").map(b -> Json.read(b, Config.class)).orElse(null);
        if (c == null) {
            return null;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("jwks_url", c.jwksUrl);
        m.put("oidc_discovery_url", c.oidcDiscoveryUrl);
        m.put("jwt_validation_pubkeys", c.jwtValidationPubkeys);
        m.put("bound_issuer", c.boundIssuer);
        m.put("jwt_supported_algs", c.jwtSupportedAlgs);
        m.put("jwks_ca_pem", c.jwksCaPem);
        m.put("oidc_discovery_ca_pem", c.oidcDiscoveryCaPem);
        return Response.of(m);
    }

    private synchronized Response writeConfig(FieldData d) {
        Config c = new Config();
        c.jwksUrl = d.getString("jwks_url").trim();
        c.oidcDiscoveryUrl = d.getString("oidc_discovery_url").trim();
        c.jwtValidationPubkeys = d.has("jwt_validation_pubkeys") ? d.getAs("jwt_validation_pubkeys") : List.of();
        c.boundIssuer = d.getString("bound_issuer");
        c.jwtSupportedAlgs = d.has("jwt_supported_algs") ? d.getAs("jwt_supported_algs") : List.of();
        c.jwksCaPem = d.getString("jwks_ca_pem");
        c.oidcDiscoveryCaPem = d.getString("oidc_discovery_ca_pem");
        if (!c.jwksUrl.isEmpty()) {
            c.jwksUrl = OutboundHttps.requireHttps(c.jwksUrl, "jwks_url");
        }
        if (!c.oidcDiscoveryUrl.isEmpty()) {
            c.oidcDiscoveryUrl = OutboundHttps.requireHttps(c.oidcDiscoveryUrl, "oidc_discovery_url");
        }
        int sources = (c.jwksUrl.isEmpty() ? 0 : 1) + (c.oidcDiscoveryUrl.isEmpty() ? 0 : 1)
                + (c.jwtValidationPubkeys.isEmpty() ? 0 : 1);
        if (sources != 1) {
            throw EngineException.badRequest("exactly one of jwks_url, oidc_discovery_url and jwt_validation_pubkeys "
                    + "must be set");
        }
        keysFor(c); // a 400 now for keys that cannot be read or a discovery that fails
        storage.put("config", Json.write(c));
        keys.invalidate();
        return null;
    }

    /** The config changed elsewhere: the verifier (keys, algorithms, discovery) is rebuilt on next login. */
    @Override
    public void invalidate(String key) {
        if (key.isEmpty() || key.equals("config")) {
            keys.invalidate();
        }
    }

    private Keys keysFor(Config c) {
        if (!c.oidcDiscoveryUrl.isEmpty()) {
            HttpClient http = OutboundHttps.client(c.oidcDiscoveryCaPem, "oidc_discovery_ca_pem");
            Map<String, Object> discovered = discover(http, c.oidcDiscoveryUrl);
            return new Keys(new JwtVerifier(List.of(), (String) discovered.get("jwks_uri"), http, clock,
                    c.jwtSupportedAlgs), (String) discovered.get("issuer"));
        }
        if (!c.jwksUrl.isEmpty()) {
            return new Keys(new JwtVerifier(List.of(), c.jwksUrl, OutboundHttps.client(c.jwksCaPem, "jwks_ca_pem"),
                    clock, c.jwtSupportedAlgs), null);
        }
        return new Keys(new JwtVerifier(JwtVerifier.parsePemKeys(c.jwtValidationPubkeys), c.jwtSupportedAlgs), null);
    }

    /**
     * The discovery document's {@code issuer} and {@code jwks_uri}. As OIDC Discovery requires, the
     * issuer must be the URL discovery was asked of, and the key set must be served over https.
     */
    private static Map<String, Object> discover(HttpClient http, String issuer) {
        String base = issuer.replaceAll("/+$", "");
        String url = base + "/.well-known/openid-configuration";
        try {
            OutboundHttps.Reply r = OutboundHttps.get(http, url);
            Map<String, Object> doc = r.status() == 200 ? Json.readMap(r.body()) : Map.of();
            if (!(doc.get("jwks_uri") instanceof String jwks) || !(doc.get("issuer") instanceof String iss)) {
                throw EngineException.badRequest("OIDC discovery at " + url + " gave no issuer and jwks_uri");
            }
            if (!iss.replaceAll("/+$", "").equals(base)) {
                throw EngineException.badRequest("OIDC discovery at " + url + " announced issuer \"" + iss
                        + "\", not the discovery URL's");
            }
            OutboundHttps.requireHttps(jwks, "the discovered jwks_uri");
            return doc;
        } catch (IOException | RuntimeException e) {
            if (e instanceof EngineException ee) {
                throw ee;
            }
            throw EngineException.badRequest("OIDC discovery at " + url + " failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw EngineException.badRequest("interrupted during OIDC discovery");
        }
    }

    private Response readRole(String name) {
        Role r = loadRole(name, Role.class).orElse(null);
        if (r == null) {
            return null;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("role_type", "jwt");
        m.put("bound_audiences", r.boundAudiences);
        m.put("user_claim", r.userClaim);
        m.put("bound_subject", r.boundSubject);
        m.put("bound_claims", r.boundClaims.isEmpty() ? null : r.boundClaims);
        m.put("claim_mappings", r.claimMappings.isEmpty() ? null : r.claimMappings);
        m.put("clock_skew_leeway", r.clockSkewLeeway);
        r.token.describeInto(m);
        return Response.of(m);
    }

    private Response writeRole(FieldData d) {
        if (d.has("role_type") && !d.getString("role_type").equals("jwt")) {
            throw EngineException.badRequest("role_type must be jwt (the OIDC browser flow is not offered)");
        }
        Role r = new Role();
        r.boundAudiences = d.has("bound_audiences") ? d.getAs("bound_audiences") : List.of();
        r.userClaim = d.getString("user_claim");
        if (r.userClaim.isBlank()) {
            throw EngineException.badRequest("user_claim is required");
        }
        r.boundSubject = d.getString("bound_subject");
        r.boundClaims = d.has("bound_claims") ? d.getAs("bound_claims") : Map.of();
        r.boundClaims.forEach((k, v) -> {
            if (!(v instanceof String) && !(v instanceof Collection<?>)) {
                throw EngineException.badRequest("bound_claims." + k + " must be a string or a list of strings");
            }
        });
        r.claimMappings = d.has("claim_mappings") ? d.getAs("claim_mappings") : Map.of();
        r.clockSkewLeeway = d.has("clock_skew_leeway") ? Math.max(0, d.getDuration("clock_skew_leeway").toSeconds()) : 60;
        r.token.update(d);
        storage.put(rolePrefix() + d.getString("name"), Json.write(r));
        return null;
    }

    private Response login(FieldData d) {
        String roleName = d.getString("role");
        String token = d.getString("jwt");
        if (roleName.isBlank() || token.isBlank()) {
            throw EngineException.badRequest("role and jwt are required");
        }
        Role role = loadRole(roleName, Role.class)
                .orElseThrow(() -> EngineException.badRequest("role \"" + roleName + "\" could not be found"));
        Config config = config();
        Keys k = keys.get(() -> keysFor(config));
        JWTClaimsSet claims = k.verifier().verify(token);
        checkClaims(claims, config, role, k.discoveredIssuer());
        Object user = claims.getClaim(role.userClaim);
        if (!(user instanceof String u) || u.isBlank()) {
            throw EngineException.badRequest("claim \"" + role.userClaim + "\" (user_claim) is missing or not a string");
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("role", roleName);
        role.claimMappings.forEach((claim, key) -> {
            Object value = claims.getClaim(claim);
            if (value != null) {
                metadata.put(key, String.valueOf(value));
            }
        });
        return Response.ofAuth(role.token.authRequest(u, metadata));
    }

    private void checkClaims(JWTClaimsSet claims, Config config, Role role, String discovered) {
        Instant now = clock.instant();
        long leeway = role.clockSkewLeeway;
        Date exp = claims.getExpirationTime();
        if (exp == null) {
            throw EngineException.badRequest("invalid JWT: no exp claim");
        }
        if (now.isAfter(exp.toInstant().plusSeconds(leeway))) {
            throw EngineException.badRequest("invalid JWT: token is expired");
        }
        Date nbf = claims.getNotBeforeTime();
        if (nbf != null && now.plusSeconds(leeway).isBefore(nbf.toInstant())) {
            throw EngineException.badRequest("invalid JWT: token is not yet valid");
        }
        Date iat = claims.getIssueTime();
        if (iat != null && now.plusSeconds(leeway).isBefore(iat.toInstant())) {
            throw EngineException.badRequest("invalid JWT: token issued in the future");
        }
        if (!config.boundIssuer.isEmpty() && !config.boundIssuer.equals(claims.getIssuer())) {
            throw EngineException.badRequest("invalid JWT: iss does not match bound_issuer");
        }
        if (config.boundIssuer.isEmpty() && discovered != null && !discovered.equals(claims.getIssuer())) {
            throw EngineException.badRequest("invalid JWT: iss does not match the issuer OIDC discovery announced");
        }
        List<String> aud = claims.getAudience();
        if (!role.boundAudiences.isEmpty()) {
            if (aud == null || aud.stream().noneMatch(role.boundAudiences::contains)) {
                throw EngineException.badRequest("invalid JWT: aud does not match the role's bound_audiences");
            }
        } else if (aud != null && !aud.isEmpty()) {
            throw EngineException.badRequest("invalid JWT: audience claim found in JWT but no audiences bound to the role");
        }
        if (!role.boundSubject.isEmpty() && !role.boundSubject.equals(claims.getSubject())) {
            throw EngineException.badRequest("invalid JWT: sub does not match bound_subject");
        }
        for (Map.Entry<String, Object> bound : role.boundClaims.entrySet()) {
            Object actual = claims.getClaim(bound.getKey());
            Collection<?> wanted = bound.getValue() instanceof Collection<?> c ? c : List.of(bound.getValue());
            Collection<?> have = actual instanceof Collection<?> c ? c : actual == null ? List.of() : List.of(actual);
            boolean ok = have.stream().anyMatch(h -> wanted.stream().anyMatch(w -> String.valueOf(w).equals(String.valueOf(h))));
            if (!ok) {
                throw EngineException.badRequest("invalid JWT: claim \"" + bound.getKey() + "\" does not match bound_claims");
            }
        }
    }
}
