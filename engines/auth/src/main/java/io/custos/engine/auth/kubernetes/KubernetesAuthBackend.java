package io.custos.engine.auth.kubernetes;

import static io.custos.engine.sdk.Operation.READ;
import static io.custos.engine.sdk.Operation.UPDATE;

import com.nimbusds.jwt.JWTClaimsSet;
import io.custos.engine.auth.OutboundHttps;
import io.custos.engine.auth.RoleAuthBackend;
import io.custos.engine.auth.TokenSettings;
import io.custos.engine.auth.jwt.JwtVerifier;
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
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Vault's Kubernetes auth method: a pod logs in with its service-account JWT. The token is checked
 * offline against the cluster's signing keys ({@code pem_keys}) when configured, else by the
 * cluster itself through the TokenReview API over TLS pinned to {@code kubernetes_ca_cert}. The
 * service account and namespace must be bound by the role ({@code *} binds all). Offline checks
 * may also use the cluster's JWKS ({@code jwks_url}), cached and re-fetched on an unknown key id.
 */
final class KubernetesAuthBackend extends RoleAuthBackend {

    /** The offline checks' verifier (pem_keys or jwks_url), built from the stored config. */
    private final Derived<JwtVerifier> offlineVerifier;

    KubernetesAuthBackend(EngineContext context) {
        super(context);
        this.offlineVerifier = new Derived<>(context.system());
    }

    /** The mount's config as stored. */
    public static final class Config {
        public String kubernetesHost = "";
        public String kubernetesCaCert = "";
        public String tokenReviewerJwt = "";
        public List<String> pemKeys = List.of();
        public String jwksUrl = "";
        public String issuer = "";
    }

    /** A role as stored. */
    public static final class Role {
        public List<String> boundServiceAccountNames = List.of();
        public List<String> boundServiceAccountNamespaces = List.of();
        public String audience = "";
        public TokenSettings token = new TokenSettings();
    }

    /** Who the JWT says it is. */
    record ServiceAccount(String name, String namespace, String uid) {
    }

    /** The config changed elsewhere: the offline verifier (issuer keys) is rebuilt on next login. */
    @Override
    public void invalidate(String key) {
        if (key.isEmpty() || key.equals("config")) {
            offlineVerifier.invalidate();
        }
    }

    @Override
    protected List<PathSpec> declarePaths() {
        return List.of(
                PathSpec.path("config")
                        .fields(Field.of("kubernetes_host", FieldType.STRING, "API server URL, https://host:port."),
                                Field.of("kubernetes_ca_cert", FieldType.STRING, "PEM CA of the API server."),
                                Field.of("token_reviewer_jwt", FieldType.STRING, "JWT allowed to call TokenReview.")
                                        .asSensitive(),
                                Field.of("pem_keys", FieldType.STRING_LIST, "Service-account signing public keys (offline checks)."),
                                Field.of("jwks_url", FieldType.STRING,
                                        "The cluster's service-account JWKS, e.g. https://host/openid/v1/jwks (offline checks)."),
                                Field.of("issuer", FieldType.STRING, "Required iss of service-account tokens."),
                                Field.of("disable_local_ca_jwt", FieldType.BOOL, "Accepted for compatibility."))
                        .on(READ, (r, d) -> readConfig())
                        .on(UPDATE, (r, d) -> writeConfig(d))
                        .help("How to reach the cluster, or its keys for offline checks.", "").build(),
                roleList(),
                role("name", "Binds service accounts and namespaces to token settings.",
                        (r, d) -> readRole(d.getString("name")), (r, d) -> writeRole(d),
                        Field.of("bound_service_account_names", FieldType.COMMA_STRING_LIST, "Allowed names, or *."),
                        Field.of("bound_service_account_namespaces", FieldType.COMMA_STRING_LIST,
                                "Allowed namespaces, or *."),
                        Field.of("audience", FieldType.STRING, "Required aud of the token.")),
                PathSpec.path("login")
                        .fields(Field.of("role", FieldType.STRING, "The role."),
                                Field.of("jwt", FieldType.STRING, "The service-account token.").asSensitive())
                        .on(UPDATE, (r, d) -> login(d))
                        .help("Exchanges a service-account JWT for a token.", "")
                        .unauthenticated()
                        .help("Exchanges a service-account JWT for a token.", "").build());
    }

    private Response readConfig() {
        Config c = storage.get("config").map(b -> Json.read(b, Config.class)).orElse(null);
        if (c == null) {
            return null;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kubernetes_host", c.kubernetesHost);
        m.put("kubernetes_ca_cert", c.kubernetesCaCert);
        m.put("pem_keys", c.pemKeys);
        m.put("jwks_url", c.jwksUrl);
        m.put("issuer", c.issuer);
        return Response.of(m);
    }

    private Response writeConfig(FieldData d) {
        Config c = new Config();
        c.kubernetesHost = d.getString("kubernetes_host").trim();
        c.kubernetesCaCert = d.getString("kubernetes_ca_cert");
        c.tokenReviewerJwt = d.getString("token_reviewer_jwt");
        c.pemKeys = d.has("pem_keys") ? d.getAs("pem_keys") : List.of();
        c.jwksUrl = d.getString("jwks_url").trim();
        if (!c.jwksUrl.isEmpty()) {
            c.jwksUrl = OutboundHttps.requireHttps(c.jwksUrl, "jwks_url");
        }
        c.issuer = d.getString("issuer");
        if (!c.pemKeys.isEmpty() && !c.jwksUrl.isEmpty()) {
            throw EngineException.badRequest("set pem_keys or jwks_url, not both");
        }
        if (!offline(c) && !c.kubernetesHost.startsWith("https://")) {
            throw EngineException.badRequest("kubernetes_host must be an https:// URL (or configure pem_keys or jwks_url)");
        }
        if (!c.pemKeys.isEmpty()) {
            JwtVerifier.parsePemKeys(c.pemKeys);
        }
        if (!c.kubernetesCaCert.isBlank()) {
            OutboundHttps.client(c.kubernetesCaCert, "kubernetes_ca_cert"); // a 400 now if it is not a PEM certificate
        }
        storage.put("config", Json.write(c));
        offlineVerifier.invalidate();
        return null;
    }

    private Response readRole(String name) {
        Role r = loadRole(name, Role.class).orElse(null);
        if (r == null) {
            return null;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("bound_service_account_names", r.boundServiceAccountNames);
        m.put("bound_service_account_namespaces", r.boundServiceAccountNamespaces);
        m.put("audience", r.audience);
        r.token.describeInto(m);
        return Response.of(m);
    }

    private Response writeRole(FieldData d) {
        Role r = new Role();
        r.boundServiceAccountNames = d.has("bound_service_account_names") ? d.getAs("bound_service_account_names") : List.of();
        r.boundServiceAccountNamespaces = d.has("bound_service_account_namespaces")
                ? d.getAs("bound_service_account_namespaces") : List.of();
        if (r.boundServiceAccountNames.isEmpty() || r.boundServiceAccountNamespaces.isEmpty()) {
            throw EngineException.badRequest("bound_service_account_names and bound_service_account_namespaces are "
                    + "required (use \"*\" to allow any)");
        }
        r.audience = d.getString("audience");
        r.token.update(d);
        storage.put(rolePrefix() + d.getString("name"), Json.write(r));
        return null;
    }

    private Response login(FieldData d) {
        String roleName = d.getString("role");
        String jwt = d.getString("jwt");
        if (roleName.isBlank() || jwt.isBlank()) {
            throw EngineException.badRequest("role and jwt are required");
        }
        Role role = loadRole(roleName, Role.class)
                .orElseThrow(() -> EngineException.badRequest("invalid role name \"" + roleName + "\""));
        Config config = storage.get("config").map(b -> Json.read(b, Config.class))
                .orElseThrow(() -> EngineException.badRequest("the kubernetes method is not configured"));
        ServiceAccount sa = offline(config) ? offline(config, role, jwt) : review(config, role, jwt);
        if (!bound(role.boundServiceAccountNames, sa.name())) {
            throw EngineException.badRequest("service account name not authorized");
        }
        if (!bound(role.boundServiceAccountNamespaces, sa.namespace())) {
            throw EngineException.badRequest("namespace not authorized");
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("role", roleName);
        metadata.put("service_account_name", sa.name());
        metadata.put("service_account_namespace", sa.namespace());
        metadata.put("service_account_uid", sa.uid());
        return Response.ofAuth(role.token.authRequest(sa.namespace() + "-" + sa.name(), metadata));
    }

    private static boolean bound(List<String> allowed, String value) {
        return allowed.contains("*") || allowed.contains(value);
    }

    private static boolean offline(Config c) {
        return !c.pemKeys.isEmpty() || !c.jwksUrl.isEmpty();
    }

    /** Signature, issuer, expiry and audience checked here against the cluster's public keys or JWKS. */
    private ServiceAccount offline(Config config, Role role, String jwt) {
        JwtVerifier v = offlineVerifier.get(() -> config.jwksUrl.isEmpty()
                ? new JwtVerifier(JwtVerifier.parsePemKeys(config.pemKeys), List.of("RS256", "ES256"))
                : new JwtVerifier(List.of(), config.jwksUrl,
                        OutboundHttps.client(config.kubernetesCaCert, "kubernetes_ca_cert"), clock,
                        List.of("RS256", "ES256")));
        JWTClaimsSet claims = v.verify(jwt);
        if (!config.issuer.isEmpty() && !config.issuer.equals(claims.getIssuer())) {
            throw EngineException.badRequest("invalid service-account token: iss does not match the configured issuer");
        }
        // offline, nothing but exp says when a token stops working: legacy tokens without one need TokenReview
        if (claims.getExpirationTime() == null) {
            throw EngineException.badRequest("invalid service-account token: it has no exp claim (a legacy token "
                    + "can only be checked by the TokenReview API: configure kubernetes_host instead of pem_keys/jwks_url)");
        }
        if (clock.instant().isAfter(claims.getExpirationTime().toInstant())) {
            throw EngineException.badRequest("invalid service-account token: token is expired");
        }
        if (!role.audience.isEmpty() && (claims.getAudience() == null || !claims.getAudience().contains(role.audience))) {
            throw EngineException.badRequest("invalid service-account token: aud does not match the role's audience");
        }
        Object k8s = claims.getClaim("kubernetes.io");
        if (k8s instanceof Map<?, ?> m && m.get("serviceaccount") instanceof Map<?, ?> sa) {
            return new ServiceAccount(String.valueOf(sa.get("name")), String.valueOf(m.get("namespace")),
                    String.valueOf(sa.get("uid")));
        }
        Object name = claims.getClaim("kubernetes.io/serviceaccount/service-account.name");
        Object ns = claims.getClaim("kubernetes.io/serviceaccount/namespace");
        if (name == null || ns == null) {
            throw EngineException.badRequest("invalid service-account token: no service account claims");
        }
        return new ServiceAccount(String.valueOf(name), String.valueOf(ns),
                String.valueOf(claims.getClaim("kubernetes.io/serviceaccount/service-account.uid")));
    }

    /** The cluster's own verdict, from the TokenReview API over TLS pinned to the configured CA. */
    private ServiceAccount review(Config config, Role role, String jwt) {
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("token", jwt);
        if (!role.audience.isEmpty()) {
            spec.put("audiences", List.of(role.audience));
        }
        byte[] body = Json.write(Map.of("apiVersion", "authentication.k8s.io/v1", "kind", "TokenReview", "spec", spec));
        String bearer = config.tokenReviewerJwt.isBlank() ? jwt : config.tokenReviewerJwt;
        try {
            HttpClient client = OutboundHttps.client(config.kubernetesCaCert, "kubernetes_ca_cert");
            OutboundHttps.Reply r = OutboundHttps.send(client, HttpRequest.newBuilder(URI.create(
                            config.kubernetesHost.replaceAll("/+$", "") + "/apis/authentication.k8s.io/v1/tokenreviews"))
                    .timeout(Duration.ofSeconds(10)).header("Authorization", "Bearer " + bearer)
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
            if (r.status() != 200 && r.status() != 201) {
                throw EngineException.badRequest("TokenReview failed with status " + r.status());
            }
            Map<String, Object> status = asMap(Json.readMap(r.body()).get("status"));
            if (!Boolean.TRUE.equals(status.get("authenticated"))) {
                throw EngineException.badRequest("the cluster did not authenticate the service-account token");
            }
            // with audiences asked for, the API server names those the token is valid for: one must be ours
            if (!role.audience.isEmpty() && !(status.get("audiences") instanceof List<?> granted
                    && granted.contains(role.audience))) {
                throw EngineException.badRequest("the service-account token is not valid for the role's audience");
            }
            Map<String, Object> user = asMap(status.get("user"));
            String[] parts = String.valueOf(user.get("username")).split(":");
            if (parts.length != 4 || !parts[0].equals("system") || !parts[1].equals("serviceaccount")) {
                throw EngineException.badRequest("the reviewed token is not a service-account token");
            }
            return new ServiceAccount(parts[3], parts[2], String.valueOf(user.get("uid")));
        } catch (IOException e) {
            throw EngineException.badRequest("cannot reach the TokenReview API: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw EngineException.badRequest("interrupted during TokenReview");
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asMap(Object o) {
        return o instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }
}
