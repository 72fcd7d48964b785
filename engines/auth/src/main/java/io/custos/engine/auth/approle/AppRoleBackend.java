package io.custos.engine.auth.approle;

import static io.custos.engine.sdk.Operation.LIST;
import static io.custos.engine.sdk.Operation.READ;
import static io.custos.engine.sdk.Operation.UPDATE;

import io.custos.engine.auth.RoleAuthBackend;
import io.custos.engine.auth.TokenSettings;
import io.custos.engine.sdk.EngineContext;
import io.custos.engine.sdk.Cidr;
import io.custos.engine.sdk.EngineException;
import io.custos.engine.sdk.Field;
import io.custos.engine.sdk.FieldData;
import io.custos.engine.sdk.FieldType;
import io.custos.engine.sdk.Json;
import io.custos.engine.sdk.PathSpec;
import io.custos.engine.sdk.Request;
import io.custos.engine.sdk.Response;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Vault's AppRole auth method: roles with token settings, a role-id per role, and secret-ids that
 * can be limited in uses, lifetime and source network. {@code login {role_id, secret_id}} returns an
 * auth block from which the broker issues the token. Secret-ids are stored only as HMACs under
 * this mount's own key; role-ids are indexed by HMAC (lookups never compare them byte by byte) and
 * kept in the role, encrypted by the barrier, so {@code role-id} can be read back as in Vault.
 */
final class AppRoleBackend extends RoleAuthBackend {
    private static final SecureRandom RANDOM = new SecureRandom();

    private volatile byte[] hmacKey;

    AppRoleBackend(EngineContext context) {
        super(context);
    }

    /** A role as stored. Durations in seconds. */
    public static final class Role {
        public String name;
        public String roleId;
        public String roleIdHash;
        public boolean bindSecretId = true;
        public List<String> secretIdBoundCidrs = List.of();
        public long secretIdNumUses;
        public long secretIdTtl;
        public boolean localSecretIds;
        public TokenSettings token = new TokenSettings();
    }

    /** A secret-id as stored (under the HMAC of the secret-id). */
    public static final class SecretId {
        public String accessor;
        public long numUses;
        public long expirationTime;
        public long creationTime;
        public long lastUpdatedTime;
        public long ttl;
        public List<String> cidrs = List.of();
        public List<String> tokenBoundCidrs = List.of();
        public Map<String, String> metadata = Map.of();
    }

    private static final Field[] SECRET_ID_FIELDS = {
        Field.of("bind_secret_id", FieldType.BOOL, "Require a secret-id at login.").withDefault(true),
        Field.of("secret_id_bound_cidrs", FieldType.COMMA_STRING_LIST, "Networks a secret-id may be used from."),
        Field.of("secret_id_num_uses", FieldType.INT, "Logins per secret-id; 0 is unlimited."),
        Field.of("secret_id_ttl", FieldType.DURATION, "Lifetime of a secret-id; 0 is unlimited."),
        Field.of("bound_cidr_list", FieldType.COMMA_STRING_LIST, "Older name of secret_id_bound_cidrs."),
        Field.of("local_secret_ids", FieldType.BOOL, "Accepted at creation for compatibility (one cluster here)."),
    };

    private static final List<Field> NEW_SECRET_ID_FIELDS = List.of(
        Field.of("metadata", FieldType.STRING_MAP, "Metadata copied to issued tokens: an object, or (as Vault) a "
                + "string holding a JSON object."),
        Field.of("cidr_list", FieldType.COMMA_STRING_LIST, "Networks this secret-id may be used from (within the "
                + "role's secret_id_bound_cidrs)."),
        Field.of("token_bound_cidrs", FieldType.COMMA_STRING_LIST, "Networks the issued tokens may be used from "
                + "(within the role's token_bound_cidrs)."),
        Field.of("ttl", FieldType.DURATION, "Lifetime of this secret-id (at most the role's secret_id_ttl)."),
        Field.of("num_uses", FieldType.INT, "Logins with this secret-id (at most the role's secret_id_num_uses)."));

    @Override
    protected List<PathSpec> declarePaths() {
        return List.of(
                PathSpec.path("login")
                        .fields(Field.of("role_id", FieldType.STRING, "The role-id.").asSensitive(),
                                Field.of("secret_id", FieldType.STRING, "The secret-id.").asSensitive())
                        .on(UPDATE, this::login)
                        .help("Exchanges a role-id and secret-id for a token.", "")
                        .unauthenticated()
                        .help("Exchanges a role-id and secret-id for a token.", "").build(),
                roleList(),
                role("role_name", "Creates, reads, updates or deletes a role.", (r, d) -> readRole(d),
                        (r, d) -> writeRole(d), SECRET_ID_FIELDS),
                PathSpec.path("role/(?P<role_name>[^/]+)/role-id")
                        .fields(Field.of("role_id", FieldType.STRING, "A custom role-id.").asSensitive())
                        .on(READ, (r, d) -> readRoleId(d))
                        .on(UPDATE, (r, d) -> setRoleId(d))
                        .help("The role's role-id.", "").build(),
                PathSpec.path("role/(?P<role_name>[^/]+)/secret-id/?")
                        .fields(NEW_SECRET_ID_FIELDS)
                        .on(UPDATE, (r, d) -> generateSecretId(d, UUID.randomUUID().toString()))
                        .on(LIST, (r, d) -> listSecretIdAccessors(d))
                        .help("Generates a secret-id, or lists secret-id accessors.", "").build(),
                PathSpec.path("role/(?P<role_name>[^/]+)/custom-secret-id")
                        .fields(NEW_SECRET_ID_FIELDS)
                        .fields(Field.of("secret_id", FieldType.STRING, "The secret-id to register.").asSensitive()
                                .asRequired())
                        .on(UPDATE, (r, d) -> generateSecretId(d, d.getString("secret_id")))
                        .help("Registers a secret-id of the caller's choosing.", "").build(),
                PathSpec.path("tidy/secret-id")
                        .on(UPDATE, (r, d) -> {
                            tidySecretIds();
                            return Response.withStatus(202, null).warn("Tidy operation successfully started. Any "
                                    + "information from the operation will be printed to Custos's server logs.");
                        })
                        .help("Removes expired secret-ids and accessors that point at nothing.", "").build(),
                PathSpec.path("role/(?P<role_name>[^/]+)/secret-id/lookup")
                        .fields(Field.of("secret_id", FieldType.STRING, "The secret-id.").asSensitive())
                        .on(UPDATE, (r, d) -> lookupSecretId(role(d), hash(d.getString("secret_id"))))
                        .help("Looks up a secret-id.", "").build(),
                PathSpec.path("role/(?P<role_name>[^/]+)/secret-id/destroy")
                        .fields(Field.of("secret_id", FieldType.STRING, "The secret-id.").asSensitive())
                        .on(UPDATE, (r, d) -> destroySecretId(role(d), hash(d.getString("secret_id"))))
                        .help("Destroys a secret-id.", "").build(),
                PathSpec.path("role/(?P<role_name>[^/]+)/secret-id-accessor/lookup")
                        .fields(Field.of("secret_id_accessor", FieldType.STRING, "The accessor."))
                        .on(UPDATE, (r, d) -> lookupSecretId(role(d), byAccessor(role(d), d)))
                        .help("Looks up a secret-id by accessor.", "").build(),
                PathSpec.path("role/(?P<role_name>[^/]+)/secret-id-accessor/destroy")
                        .fields(Field.of("secret_id_accessor", FieldType.STRING, "The accessor."))
                        .on(UPDATE, (r, d) -> destroySecretId(role(d), byAccessor(role(d), d)))
                        .help("Destroys a secret-id by accessor.", "").build());
    }

    // ---- roles

    private Role role(FieldData d) {
        String name = d.getString("role_name");
        return loadRole(name, Role.class)
                .orElseThrow(() -> EngineException.badRequest("role \"" + name + "\" does not exist"));
    }

    private Response readRole(FieldData d) {
        Role r = loadRole(d.getString("role_name"), Role.class).orElse(null);
        if (r == null) {
            return null;
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("bind_secret_id", r.bindSecretId);
        out.put("secret_id_bound_cidrs", r.secretIdBoundCidrs);
        out.put("secret_id_num_uses", r.secretIdNumUses);
        out.put("secret_id_ttl", r.secretIdTtl);
        out.put("local_secret_ids", r.localSecretIds);
        r.token.describeInto(out);
        return Response.of(out);
    }

    private synchronized Response writeRole(FieldData d) {
        String name = d.getString("role_name");
        Role r = loadRole(name, Role.class).orElse(null);
        if (r == null) {
            r = new Role();
            r.name = name;
            r.roleId = UUID.randomUUID().toString();
            r.roleIdHash = hash(r.roleId);
            claimRoleId(r.roleIdHash, name);
        }
        if (d.has("bind_secret_id")) {
            r.bindSecretId = d.getBool("bind_secret_id");
        }
        if (d.has("secret_id_bound_cidrs") || d.has("bound_cidr_list")) {
            r.secretIdBoundCidrs = Cidr.validate(d.getAs(d.has("secret_id_bound_cidrs") ? "secret_id_bound_cidrs"
                    : "bound_cidr_list"));
        }
        if (d.has("local_secret_ids")) {
            if (r.roleIdHash != null && loadRole(name, Role.class).isPresent() && d.getBool("local_secret_ids")
                    != r.localSecretIds) {
                throw EngineException.badRequest("local_secret_ids can only be modified during role creation");
            }
            r.localSecretIds = d.getBool("local_secret_ids");
        }
        if (d.has("secret_id_num_uses")) {
            r.secretIdNumUses = nonNegative("secret_id_num_uses", d.getLong("secret_id_num_uses"));
        }
        if (d.has("secret_id_ttl")) {
            r.secretIdTtl = nonNegative("secret_id_ttl", d.getDuration("secret_id_ttl").toSeconds());
        }
        r.token.update(d);
        storage.put(rolePrefix() + name, Json.write(r));
        return null;
    }

    /** Deletes the role with its role-id index and every secret-id. */
    @Override
    protected synchronized Response deleteRole(String name) {
        loadRole(name, Role.class).ifPresent(r -> {
            storage.delete("role_id/" + r.roleIdHash);
            for (String s : storage.list("secret_id/" + name + "/")) {
                destroySecretId(r, s);
            }
            storage.delete(rolePrefix() + name);
        });
        return null;
    }

    private Response readRoleId(FieldData d) {
        return Response.of(Map.of("role_id", role(d).roleId));
    }

    private synchronized Response setRoleId(FieldData d) {
        Role r = role(d);
        String roleId = d.getString("role_id");
        if (roleId.isBlank()) {
            roleId = UUID.randomUUID().toString();
        }
        String h = hash(roleId);
        String old = r.roleIdHash;
        boolean changed = !h.equals(old);
        if (changed) {
            claimRoleId(h, r.name);
        }
        r.roleId = roleId;
        r.roleIdHash = h;
        storage.put(rolePrefix() + r.name, Json.write(r));
        if (changed && old != null) {
            storage.delete("role_id/" + old);
        }
        return Response.of(Map.of("role_id", roleId));
    }

    /** Indexes a role-id for {@code role}: once across every broker (two roles cannot both claim one). */
    private void claimRoleId(String hash, String role) {
        if (!storage.compareAndPut("role_id/" + hash, Optional.empty(), role.getBytes(StandardCharsets.UTF_8))) {
            throw EngineException.badRequest("role_id already in use");
        }
    }

    // ---- secret-ids

    /**
     * A new secret-id (generated, or the caller's for custom-secret-id): its uses and lifetime
     * within the role's, its networks within the role's, its metadata.
     */
    private synchronized Response generateSecretId(FieldData d, String secretId) {
        Role r = role(d);
        if (secretId.isBlank()) {
            throw EngineException.badRequest("missing secret_id");
        }
        String h = hash(secretId);
        if (storage.get("secret_id/" + r.name + "/" + h).isPresent()) {
            throw EngineException.badRequest("SecretID is already registered");
        }
        SecretId s = new SecretId();
        s.accessor = UUID.randomUUID().toString();
        s.numUses = r.secretIdNumUses;
        if (d.has("num_uses")) {
            long uses = nonNegative("num_uses", d.getLong("num_uses"));
            if (r.secretIdNumUses > 0 && (uses == 0 || uses > r.secretIdNumUses)) {
                throw EngineException.badRequest("num_uses cannot be higher than the role's secret_id_num_uses");
            }
            s.numUses = uses;
        }
        s.ttl = r.secretIdTtl;
        if (d.has("ttl")) {
            long ttl = nonNegative("ttl", d.getDuration("ttl").toSeconds());
            if (r.secretIdTtl > 0 && (ttl == 0 || ttl > r.secretIdTtl)) {
                throw EngineException.badRequest("ttl cannot be longer than the role's secret_id_ttl");
            }
            s.ttl = ttl;
        }
        s.creationTime = clock.instant().getEpochSecond();
        s.lastUpdatedTime = s.creationTime;
        s.expirationTime = s.ttl > 0 ? s.creationTime + s.ttl : 0;
        List<String> cidrs = d.has("cidr_list") ? Cidr.validate(d.getAs("cidr_list")) : List.of();
        if (!Cidr.isSubset(cidrs, r.secretIdBoundCidrs)) {
            throw EngineException.badRequest("failed to verify subset relationship between CIDR blocks on the role "
                    + r.secretIdBoundCidrs + " and CIDR blocks on the secret ID " + cidrs);
        }
        List<String> tokenCidrs = d.has("token_bound_cidrs") ? Cidr.validate(d.getAs("token_bound_cidrs")) : List.of();
        if (!Cidr.isSubset(tokenCidrs, r.token.tokenBoundCidrs)) {
            throw EngineException.badRequest("failed to verify subset relationship between the token bound CIDR "
                    + "blocks on the role " + r.token.tokenBoundCidrs + " and the token bound CIDR blocks on the "
                    + "secret ID " + tokenCidrs);
        }
        s.cidrs = cidrs.isEmpty() ? r.secretIdBoundCidrs : cidrs;
        s.tokenBoundCidrs = tokenCidrs;
        s.metadata = d.<Map<String, String>>getAs("metadata") == null ? Map.of() : d.getAs("metadata");
        storage.put("secret_id/" + r.name + "/" + h, Json.write(s));
        storage.put("accessor/" + r.name + "/" + s.accessor, h.getBytes(StandardCharsets.UTF_8));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("secret_id", secretId);
        out.put("secret_id_accessor", s.accessor);
        out.put("secret_id_ttl", s.ttl);
        out.put("secret_id_num_uses", s.numUses);
        return Response.of(out);
    }

    /** tidy/secret-id: expired secret-ids go, and so do accessors whose secret-id is gone. */
    private synchronized void tidySecretIds() {
        long now = clock.instant().getEpochSecond();
        for (String roleName : storage.list("secret_id/")) {
            String name = roleName.endsWith("/") ? roleName.substring(0, roleName.length() - 1) : roleName;
            Role r = loadRole(name, Role.class).orElse(null);
            for (String h : storage.list("secret_id/" + name + "/")) {
                SecretId s = storage.get("secret_id/" + name + "/" + h).map(b -> Json.read(b, SecretId.class)).orElse(null);
                if (s != null && (r == null || s.expirationTime > 0 && now >= s.expirationTime)) {
                    storage.delete("accessor/" + name + "/" + s.accessor);
                    storage.delete("secret_id/" + name + "/" + h);
                }
            }
        }
        for (String roleName : storage.list("accessor/")) {
            String name = roleName.endsWith("/") ? roleName.substring(0, roleName.length() - 1) : roleName;
            for (String accessor : storage.list("accessor/" + name + "/")) {
                String h = storage.get("accessor/" + name + "/" + accessor)
                        .map(b -> new String(b, StandardCharsets.UTF_8)).orElse(null);
                if (h != null && storage.get("secret_id/" + name + "/" + h).isEmpty()) {
                    storage.delete("accessor/" + name + "/" + accessor);
                }
            }
        }
    }

    private Response listSecretIdAccessors(FieldData d) {
        return Response.listOf(storage.list("accessor/" + role(d).name + "/"));
    }

    private String byAccessor(Role r, FieldData d) {
        return storage.get("accessor/" + r.name + "/" + d.getString("secret_id_accessor"))
                .map(b -> new String(b, StandardCharsets.UTF_8))
                .orElseThrow(() -> EngineException.badRequest("failed to find accessor entry for secret_id_accessor"));
    }

    private Response lookupSecretId(Role r, String hash) {
        SecretId s = storage.get("secret_id/" + r.name + "/" + hash).map(b -> Json.read(b, SecretId.class)).orElse(null);
        if (s == null) {
            return null;
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("secret_id_accessor", s.accessor);
        out.put("secret_id_num_uses", s.numUses);
        out.put("secret_id_ttl", s.ttl);
        out.put("creation_time", Instant.ofEpochSecond(s.creationTime).toString());
        out.put("last_updated_time", Instant.ofEpochSecond(s.lastUpdatedTime > 0 ? s.lastUpdatedTime
                : s.creationTime).toString());
        out.put("expiration_time", s.expirationTime == 0 ? "0001-01-01T00:00:00Z"
                : Instant.ofEpochSecond(s.expirationTime).toString());
        out.put("cidr_list", s.cidrs);
        out.put("token_bound_cidrs", s.tokenBoundCidrs);
        out.put("metadata", s.metadata);
        return Response.of(out);
    }

    private synchronized Response destroySecretId(Role r, String hash) {
        storage.get("secret_id/" + r.name + "/" + hash).map(b -> Json.read(b, SecretId.class))
                .ifPresent(s -> storage.delete("accessor/" + r.name + "/" + s.accessor));
        storage.delete("secret_id/" + r.name + "/" + hash);
        return null;
    }

    // ---- login

    private Response login(Request request, FieldData d) {
        String roleId = d.getString("role_id");
        if (roleId.isBlank()) {
            throw EngineException.badRequest("missing role_id");
        }
        String h = hash(roleId);
        String name = storage.get("role_id/" + h).map(b -> new String(b, StandardCharsets.UTF_8))
                .orElseThrow(() -> EngineException.badRequest("invalid role or secret ID"));
        // the role, not the index, says which role-id is its own: an index entry a race between
        // brokers left behind (two role-id changes at once) names the role but is not its role-id
        Role r = loadRole(name, Role.class).filter(role -> role.roleIdHash != null && MessageDigest.isEqual(
                        role.roleIdHash.getBytes(StandardCharsets.US_ASCII), h.getBytes(StandardCharsets.US_ASCII)))
                .orElseThrow(() -> EngineException.badRequest("invalid role or secret ID"));
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("role_name", r.name);
        if (r.bindSecretId) {
            String secretId = d.getString("secret_id");
            if (secretId.isBlank()) {
                throw EngineException.badRequest("missing secret_id");
            }
            SecretId s = spendSecretId(r, hash(secretId), request.context().remoteAddress());
            metadata.putAll(s.metadata);
            if (!s.tokenBoundCidrs.isEmpty()) {
                Map<String, Object> auth = r.token.authRequest(r.name, metadata);
                auth.put("bound_cidrs", s.tokenBoundCidrs);
                return Response.ofAuth(auth);
            }
        }
        return Response.ofAuth(r.token.authRequest(r.name, metadata));
    }

    /**
     * Checks a secret-id and takes one of its uses, once across every broker: the use is a
     * compare-and-put of the stored entry (a concurrent login that took it first makes this one
     * re-read and re-check); the last use marks it spent (-1) before it is destroyed.
     */
    private SecretId spendSecretId(Role r, String hashed, String remote) {
        String key = "secret_id/" + r.name + "/" + hashed;
        for (int attempt = 0; attempt < 64; attempt++) {
            Optional<byte[]> current = storage.get(key);
            SecretId s = current.map(b -> Json.read(b, SecretId.class)).filter(x -> x.numUses >= 0)
                    .orElseThrow(() -> EngineException.badRequest("invalid role or secret ID"));
            long now = clock.instant().getEpochSecond();
            if (s.expirationTime > 0 && now >= s.expirationTime) {
                destroySecretId(r, hashed);
                throw EngineException.badRequest("invalid role or secret ID");
            }
            // the secret-id's blocks, and the role's as they are now (a role narrowed later still binds)
            if (!Cidr.allows(s.cidrs, remote) || !Cidr.allows(r.secretIdBoundCidrs, remote)) {
                throw EngineException.badRequest("source address unauthorized by the secret-id's CIDR restrictions");
            }
            if (s.numUses == 0) {
                return s;
            }
            long left = s.numUses;
            s.numUses = left == 1 ? -1 : left - 1;
            s.lastUpdatedTime = now;
            if (storage.compareAndPut(key, current, Json.write(s))) {
                if (left == 1) {
                    destroySecretId(r, hashed);
                }
                return s;
            }
        }
        throw new EngineException(503, "too many concurrent logins with one secret-id; try again");
    }

    // ---- helpers

    private static long nonNegative(String field, long v) {
        if (v < 0) {
            throw EngineException.badRequest(field + " cannot be negative");
        }
        return v;
    }

    private String hash(String value) {
        byte[] key = hmacKey;
        if (key == null) {
            synchronized (this) {
                key = storage.get("hmac-key").orElse(null);
                if (key == null) {
                    byte[] fresh = new byte[32];
                    RANDOM.nextBytes(fresh);
                    // created once across brokers: a node that loses the race uses the winner's key
                    key = storage.compareAndPut("hmac-key", Optional.empty(), fresh) ? fresh
                            : storage.get("hmac-key").orElseThrow();
                }
                hmacKey = key;
            }
        }
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(value.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
