package io.custos.broker.http;

import static io.custos.engine.sdk.Operation.DELETE;
import static io.custos.engine.sdk.Operation.LIST;
import static io.custos.engine.sdk.Operation.READ;
import static io.custos.engine.sdk.Operation.UPDATE;

import io.custos.broker.config.LeaseConfiguration;
import io.custos.broker.policy.Acl;
import io.custos.broker.policy.Policy;
import io.custos.broker.token.TokenEntry;
import io.custos.broker.token.TokenStore;
import io.custos.broker.token.TokenSweeper;
import io.custos.engine.sdk.Cidr;
import io.custos.engine.sdk.EngineException;
import io.custos.engine.sdk.Field;
import io.custos.engine.sdk.FieldData;
import io.custos.engine.sdk.FieldType;
import io.custos.engine.sdk.FrameworkEngine;
import io.custos.engine.sdk.GoDuration;
import io.custos.engine.sdk.Json;
import io.custos.engine.sdk.PathSpec;
import io.custos.engine.sdk.Request;
import io.custos.engine.sdk.Response;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The {@code auth/token/} backend: token creation with Vault's policy rules (a non-root parent can
 * only hand out its own policies; {@code default} unless declined) and TTL rules (system default,
 * explicit max, and Custos's lease-policy caps from the caller's policies), and lookup-self.
 */
@Singleton
public class TokenBackend extends FrameworkEngine {
    /** Request attribute: the calling token. */
    public static final String CALLER = "custos.caller";
    /** Request attribute: the ACL decision for this request (lease caps). */
    static final String DECISION = "custos.decision";
    /** Vault's default and maximum token TTL when nothing else is configured: 32 days. */
    static final Duration DEFAULT_TTL = Duration.ofHours(768);

    /** Who is calling: their stored entry and the token they presented. */
    public record Caller(TokenEntry entry, String token) {
        @Override
        public String toString() {
            return "Caller[" + entry.accessor() + "]";
        }
    }

    private final TokenStore tokens;
    private final io.custos.broker.barrier.BarrierStorage storage;
    private final Clock clock;
    private final Duration systemMaxTtl;
    private final TokenSweeper sweeper;

    public TokenBackend(TokenStore tokens, io.custos.broker.barrier.BarrierStorage storage, Clock clock,
            LeaseConfiguration leaseConfig, TokenSweeper sweeper) {
        this.tokens = tokens;
        this.sweeper = sweeper;
        this.storage = storage;
        this.clock = clock;
        this.systemMaxTtl = leaseConfig.getMaxTtl();
    }

    private static final Field[] CREATE_FIELDS = {
        Field.of("policies", FieldType.COMMA_STRING_LIST, "Policies of the new token; default: the caller's."),
        Field.of("no_default_policy", FieldType.BOOL, "Do not add the default policy."),
        Field.of("ttl", FieldType.DURATION, "Time to live; default 768h (or a lease policy's default_ttl), capped by "
                + "explicit_max_ttl and lease policies."),
        Field.of("period", FieldType.DURATION, "Makes a periodic token: every renewal restores a full period, "
                + "with no maximum but explicit_max_ttl."),
        Field.of("explicit_max_ttl", FieldType.DURATION, "A hard cap on the token's life, renewals included."),
        Field.of("display_name", FieldType.STRING, "A name for humans, shown as token-<name>."),
        Field.of("meta", FieldType.STRING_MAP, "String metadata, returned on lookup."),
        Field.of("num_uses", FieldType.INT, "How many requests the token may make; 0 is unlimited."),
        Field.of("renewable", FieldType.BOOL, "Whether the token can be renewed.").withDefault(true),
        Field.of("no_parent", FieldType.BOOL, "Create an orphan (root or sudo callers)."),
        Field.of("type", FieldType.STRING, "Only service tokens exist; batch is refused."),
    };

    @Override
    protected List<PathSpec> declarePaths() {
        return List.of(
                PathSpec.path("create")
                        .fields(CREATE_FIELDS)
                        .on(UPDATE, (r, d) -> create(r, d, false))
                        .help("Creates a child token of the caller.", "")
                        .build(),
                PathSpec.path("create/(?P<role_name>[^/]+)")
                        .fields(CREATE_FIELDS)
                        .on(UPDATE, (r, d) -> createWithRole(r, d))
                        .help("Creates a token from a token role's rules.", "")
                        .build(),
                PathSpec.path("roles/?")
                        .on(LIST, (r, d) -> Response.listOf(storage.list(ROLE_PREFIX)))
                        .help("Lists token roles.", "")
                        .build(),
                PathSpec.path("roles/(?P<role_name>[^/]+)")
                        .fields(Field.of("allowed_policies", FieldType.COMMA_STRING_LIST,
                                        "Policies tokens of this role may have; also the default set."),
                                Field.of("disallowed_policies", FieldType.COMMA_STRING_LIST, "Policies they may never have."),
                                Field.of("orphan", FieldType.BOOL, "Tokens have no parent."),
                                Field.of("renewable", FieldType.BOOL, "Tokens can be renewed.").withDefault(true),
                                Field.of("token_explicit_max_ttl", FieldType.DURATION, "Hard cap on the tokens' life."),
                                Field.of("token_no_default_policy", FieldType.BOOL, "Do not add the default policy."),
                                Field.of("token_num_uses", FieldType.INT, "Uses per token; 0 is unlimited."),
                                Field.of("token_type", FieldType.STRING, "Only service tokens exist."),
                                Field.of("token_bound_cidrs", FieldType.COMMA_STRING_LIST,
                                        "Networks the role's tokens may be used from."),
                                Field.of("bound_cidrs", FieldType.COMMA_STRING_LIST, "Older name of token_bound_cidrs."))
                        .on(READ, (r, d) -> loadRole(d.getString("role_name")).map(TokenBackend::roleView).orElse(null))
                        .on(UPDATE, (r, d) -> writeRole(d))
                        .on(DELETE, (r, d) -> {
                            storage.delete(ROLE_PREFIX + d.getString("role_name"));
                            return null;
                        })
                        .help("Token roles: what tokens created through create/:role may be.", "")
                        .build(),
                PathSpec.path("create-orphan")
                        .fields(CREATE_FIELDS)
                        .on(UPDATE, (r, d) -> create(r, d, true))
                        .help("Creates a token with no parent (needs sudo).", "")
                        .build(),
                PathSpec.path("lookup-self")
                        .on(READ, (r, d) -> lookup(caller(r).entry(), caller(r).token()))
                        .on(UPDATE, (r, d) -> lookup(caller(r).entry(), caller(r).token()))
                        .help("The calling token's properties.", "")
                        .build(),
                PathSpec.path("lookup")
                        .fields(TOKEN)
                        .on(UPDATE, (r, d) -> lookup(tokens.find(required(d, "token"))
                                .orElseThrow(() -> new EngineException(403, "bad token")).entry(), d.getString("token")))
                        .help("A token's properties.", "")
                        .build(),
                PathSpec.path("lookup-accessor")
                        .fields(ACCESSOR)
                        .on(UPDATE, (r, d) -> lookup(byAccessor(d).entry(), ""))
                        .help("A token's properties, found by accessor (the token itself is not returned).", "")
                        .build(),
                PathSpec.path("renew-self")
                        .fields(INCREMENT)
                        .on(UPDATE, (r, d) -> renew(r, d, tokens.find(caller(r).token()).orElseThrow(
                                () -> new EngineException(403, "permission denied")), caller(r).token()))
                        .help("Renews the calling token.", "")
                        .build(),
                PathSpec.path("renew")
                        .fields(TOKEN, INCREMENT)
                        .on(UPDATE, (r, d) -> renew(r, d, found(d), d.getString("token")))
                        .help("Renews a token.", "")
                        .build(),
                PathSpec.path("renew-accessor")
                        .fields(ACCESSOR, INCREMENT)
                        .on(UPDATE, (r, d) -> renew(r, d, byAccessor(d), ""))
                        .help("Renews a token found by accessor.", "")
                        .build(),
                PathSpec.path("revoke-self")
                        .on(UPDATE, (r, d) -> revoke(tokens.find(caller(r).token()), false))
                        .help("Revokes the calling token and its children.", "")
                        .build(),
                PathSpec.path("revoke")
                        .fields(TOKEN)
                        .on(UPDATE, (r, d) -> revoke(tokens.find(required(d, "token")), false))
                        .help("Revokes a token and its children.", "")
                        .build(),
                PathSpec.path("revoke-accessor")
                        .fields(ACCESSOR)
                        .on(UPDATE, (r, d) -> revoke(java.util.Optional.of(byAccessor(d)), false))
                        .help("Revokes the token with this accessor, and its children.", "")
                        .build(),
                PathSpec.path("revoke-orphan")
                        .fields(TOKEN)
                        .on(UPDATE, (r, d) -> revoke(tokens.find(required(d, "token")), true))
                        .help("Revokes a token but not its children, which become orphans (needs sudo).", "")
                        .build(),
                PathSpec.path("accessors/?")
                        .on(LIST, (r, d) -> Response.listOf(tokens.accessors()))
                        .help("Lists the accessors of every live token (needs sudo).", "")
                        .build(),
                PathSpec.path("tidy")
                        .on(UPDATE, (r, d) -> {
                            Response accepted = Response.withStatus(202, null);
                            return sweeper.startTidy() ? accepted.warn("Tidy operation successfully started. Any "
                                    + "information from the operation will be printed to Custos's server logs.")
                                    : accepted.warn("A tidy operation is already running on this node.");
                        })
                        .help("Removes expired tokens and dangling accessor and child entries, in the background.",
                                "Expired tokens are also swept every custos.tokens.tidy-interval.")
                        .build());
    }

    private static final Field TOKEN = Field.of("token", FieldType.STRING, "The token.").asSensitive();
    private static final Field ACCESSOR = Field.of("accessor", FieldType.STRING, "The token's accessor.");
    private static final Field INCREMENT = Field.of("increment", FieldType.DURATION,
            "The new TTL, from now; default: the token's original TTL.");

    private static Caller caller(Request r) {
        return r.attribute(CALLER);
    }

    private static String required(FieldData d, String name) {
        String v = d.getString(name).trim();
        if (v.isEmpty()) {
            throw EngineException.badRequest("missing required field \"" + name + "\"");
        }
        return v;
    }

    private TokenStore.Found found(FieldData d) {
        return tokens.find(required(d, "token")).orElseThrow(() -> EngineException.badRequest("bad token"));
    }

    private TokenStore.Found byAccessor(FieldData d) {
        return tokens.findByAccessor(required(d, "accessor"))
                .orElseThrow(() -> EngineException.badRequest("invalid accessor"));
    }

    private Response revoke(java.util.Optional<TokenStore.Found> target, boolean orphanChildren) {
        target.ifPresent(f -> tokens.revoke(f.hash(), orphanChildren));
        return null;
    }

    /**
     * The new TTL counts from now and never passes creation + max TTL (the explicit max, else the
     * system's 768h) nor a lease-policy cap; cutting it short earns Vault's warning.
     */
    private Response renew(Request r, FieldData d, TokenStore.Found target, String presented) {
        TokenEntry e = target.entry();
        if (e.expireTime() == 0) {
            return Response.ofAuth(authBlock(presented, e));
        }
        if (!e.renewable()) {
            throw EngineException.badRequest("token is not renewable");
        }
        long now = clock.instant().getEpochSecond();
        Duration increment = e.periodSeconds() > 0 ? Duration.ofSeconds(e.periodSeconds())
                : d.has("increment") ? d.getDuration("increment") : Duration.ofSeconds(e.ttlSeconds());
        if (increment.isNegative()) {
            throw EngineException.badRequest("increment cannot be negative");
        }
        // a periodic token has no maximum but an explicit one; others stop at creation + max TTL
        long max = e.explicitMaxTtlSeconds() > 0 ? e.creationTime() + e.explicitMaxTtlSeconds()
                : e.periodSeconds() > 0 ? Long.MAX_VALUE : e.creationTime() + DEFAULT_TTL.toSeconds();
        Acl.Decision decision = r.attribute(DECISION);
        if (decision != null && !decision.maxTtl().isZero()) {
            max = Math.min(max, now + decision.maxTtl().toSeconds());
        }
        long expire = now + increment.toSeconds();
        List<String> warnings = new ArrayList<>();
        if (expire > max) {
            warnings.add("TTL of \"" + GoDuration.format(increment) + "\" exceeded the effective max_ttl of \""
                    + GoDuration.format(Duration.ofSeconds(Math.max(0, max - now))) + "\"; TTL value is capped accordingly");
            expire = max;
        }
        TokenEntry renewed = e.renewed(expire - now, expire);
        tokens.update(target.hash(), renewed);
        Response response = Response.ofAuth(authBlock(presented, renewed));
        warnings.forEach(response::warn);
        return response;
    }

    static final String ROLE_PREFIX = "core/token/role/";

    /** A token role as stored. */
    public record TokenRole(List<String> allowedPolicies, List<String> disallowedPolicies, boolean orphan,
            boolean renewable, long explicitMaxTtl, boolean noDefaultPolicy, long numUses, List<String> boundCidrs) {
        public TokenRole {
            boundCidrs = boundCidrs == null ? List.of() : boundCidrs;
        }
    }

    private java.util.Optional<TokenRole> loadRole(String name) {
        return storage.get(ROLE_PREFIX + name).map(b -> Json.read(b, TokenRole.class));
    }

    private static Response roleView(TokenRole role) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("allowed_policies", role.allowedPolicies());
        m.put("disallowed_policies", role.disallowedPolicies());
        m.put("orphan", role.orphan());
        m.put("renewable", role.renewable());
        m.put("token_explicit_max_ttl", role.explicitMaxTtl());
        m.put("token_no_default_policy", role.noDefaultPolicy());
        m.put("token_num_uses", role.numUses());
        m.put("token_bound_cidrs", role.boundCidrs());
        m.put("token_type", "service");
        return Response.of(m);
    }

    private Response writeRole(FieldData d) {
        if (d.has("token_type") && !d.getString("token_type").matches("service|default-service|default")) {
            throw EngineException.badRequest("only service tokens are supported");
        }
        TokenRole old = loadRole(d.getString("role_name")).orElse(null);
        List<String> allowed = d.has("allowed_policies") ? d.getAs("allowed_policies")
                : old == null ? List.of() : old.allowedPolicies();
        List<String> disallowed = d.has("disallowed_policies") ? d.getAs("disallowed_policies")
                : old == null ? List.of() : old.disallowedPolicies();
        long uses = d.has("token_num_uses") ? d.getLong("token_num_uses") : old == null ? 0 : old.numUses();
        if (uses < 0) {
            throw EngineException.badRequest("token_num_uses cannot be negative");
        }
        TokenRole role = new TokenRole(lower(allowed), lower(disallowed),
                d.has("orphan") ? d.getBool("orphan") : old != null && old.orphan(),
                d.has("renewable") ? d.getBool("renewable") : old == null || old.renewable(),
                d.has("token_explicit_max_ttl") ? d.getDuration("token_explicit_max_ttl").toSeconds()
                        : old == null ? 0 : old.explicitMaxTtl(),
                d.has("token_no_default_policy") ? d.getBool("token_no_default_policy") : old != null && old.noDefaultPolicy(),
                uses, d.has("token_bound_cidrs") ? Cidr.validate(d.getAs("token_bound_cidrs"))
                        : d.has("bound_cidrs") ? Cidr.validate(d.getAs("bound_cidrs"))
                        : old == null ? List.of() : old.boundCidrs());
        storage.put(ROLE_PREFIX + d.getString("role_name"), Json.write(role));
        return null;
    }

    /** Policy names as Vault treats them: trimmed, lower-case, blanks dropped. */
    private static List<String> lower(List<String> in) {
        List<String> out = new ArrayList<>();
        in.forEach(p -> {
            String n = p.trim().toLowerCase(Locale.ROOT);
            if (!n.isEmpty()) {
                out.add(n);
            }
        });
        return out;
    }

    /**
     * create/:role: the role, not the parent, bounds the policies (requested ones must be allowed and
     * not disallowed; none requested means the allowed set), and sets orphan, renewability, the
     * explicit max TTL and the use limit.
     */
    private Response createWithRole(Request r, FieldData d) {
        String name = d.getString("role_name");
        TokenRole role = loadRole(name).orElseThrow(() -> EngineException.badRequest("unknown role " + name));
        List<String> requested = d.has("policies") ? lower(d.getAs("policies")) : role.allowedPolicies();
        for (String p : requested) {
            if (p.equals(Policy.DEFAULT)) {
                continue;
            }
            if (role.disallowedPolicies().contains(p)
                    || (!role.allowedPolicies().isEmpty() && !role.allowedPolicies().contains(p))) {
                throw EngineException.badRequest("token policies (" + requested + ") must be subset of the role's "
                        + "allowed policies (" + role.allowedPolicies() + ") and exclude its disallowed policies");
            }
        }
        Set<String> policies = new LinkedHashSet<>(requested);
        if (!role.noDefaultPolicy() && !d.getBool("no_default_policy")) {
            policies.add(Policy.DEFAULT);
        }
        return issue(r, d, List.copyOf(policies), role.orphan(), "auth/token/create/" + name, role.renewable(),
                role.explicitMaxTtl(), role.numUses() > 0 ? role.numUses() : Math.max(0, d.getLong("num_uses")),
                role.boundCidrs());
    }

    private Response create(Request r, FieldData d, boolean orphanPath) {
        Caller caller = r.attribute(CALLER);
        TokenEntry parent = caller.entry();
        if (d.has("type") && !d.getString("type").equals("service")) {
            throw EngineException.badRequest("only service tokens are supported");
        }
        Set<String> policies = new LinkedHashSet<>(lower(d.has("policies") ? d.getAs("policies") : parent.policies()));
        if (!parent.isRoot()) {
            for (String p : policies) {
                if (!p.equals(Policy.DEFAULT) && !parent.policies().contains(p)) {
                    throw EngineException.badRequest("child policies must be subset of parent");
                }
            }
        }
        boolean root = policies.contains(Policy.ROOT);
        if (!d.getBool("no_default_policy") && !root) {
            policies.add(Policy.DEFAULT);
        }
        if (d.getBool("no_default_policy")) {
            policies.remove(Policy.DEFAULT);
        }
        if (policies.isEmpty()) {
            throw EngineException.badRequest("a token needs at least one policy");
        }
        long numUses = d.getLong("num_uses");
        if (numUses < 0) {
            throw EngineException.badRequest("num_uses cannot be negative");
        }
        boolean orphan = orphanPath || d.getBool("no_parent");
        Acl.Decision decision = r.attribute(DECISION);
        boolean sudo = parent.isRoot() || (decision != null && decision.sudo());
        if (orphan && !sudo && !orphanPath) {
            throw EngineException.badRequest("root or sudo privileges required to create an orphan token");
        }
        return issue(r, d, List.copyOf(policies), orphan, "auth/token/" + (orphanPath ? "create-orphan" : "create"),
                d.getBool("renewable"), 0, numUses, List.of());
    }

    /** TTL (default, explicit max, lease-policy cap) and storage of a token whose policies are settled. */
    private Response issue(Request r, FieldData d, List<String> policies, boolean orphan, String path,
            boolean renewable, long roleExplicitMax, long numUses, List<String> boundCidrs) {
        Caller caller = r.attribute(CALLER);
        boolean root = policies.contains(Policy.ROOT);
        List<String> warnings = new ArrayList<>();
        Acl.Decision decision = r.attribute(DECISION);
        Duration period = d.getDuration("period");
        if (period.isNegative()) {
            throw EngineException.badRequest("period cannot be negative");
        }
        // as Vault: a token that renews forever is for root or sudo holders only
        if (!period.isZero() && !caller.entry().isRoot() && (decision == null || !decision.sudo())) {
            throw EngineException.badRequest("root or sudo privileges required to create periodic token");
        }
        Duration ttl;
        if (!period.isZero()) {
            ttl = period;
        } else if (d.has("ttl")) {
            ttl = d.getDuration("ttl");
        } else if (decision != null && !decision.defaultTtl().isZero()) {
            ttl = decision.defaultTtl(); // a lease policy's default_ttl
        } else {
            ttl = root ? Duration.ZERO : DEFAULT_TTL;
        }
        if (ttl.isNegative()) {
            throw EngineException.badRequest("ttl cannot be negative");
        }
        Duration explicitMax = d.getDuration("explicit_max_ttl");
        if (roleExplicitMax > 0 && (explicitMax.isZero() || explicitMax.toSeconds() > roleExplicitMax)) {
            explicitMax = Duration.ofSeconds(roleExplicitMax);
        }
        if (!explicitMax.isZero() && (ttl.isZero() || ttl.compareTo(explicitMax) > 0)) {
            ttl = explicitMax;
        }
        if (decision != null && !decision.maxTtl().isZero() && (ttl.isZero() || ttl.compareTo(decision.maxTtl()) > 0)) {
            warnings.add("TTL of \"" + GoDuration.format(ttl) + "\" exceeded the effective max_ttl of \""
                    + GoDuration.format(decision.maxTtl()) + "\" set by a lease policy; TTL value is capped accordingly");
            ttl = decision.maxTtl();
        }
        if (period.isZero() && !systemMaxTtl.isZero() && ttl.compareTo(systemMaxTtl) > 0) {
            warnings.add("TTL of \"" + GoDuration.format(ttl) + "\" exceeded the effective max_ttl of \""
                    + GoDuration.format(systemMaxTtl) + "\"; TTL value is capped accordingly");
            ttl = systemMaxTtl;
        }
        long now = clock.instant().getEpochSecond();
        String name = d.getString("display_name").trim();
        TokenEntry template = new TokenEntry(null, policies, name.isEmpty() ? "token" : "token-" + name, path, now,
                ttl.toSeconds(), d.<Map<String, String>>getAs("meta") == null ? Map.of() : d.getAs("meta"),
                orphan ? "" : caller.entry().accessor(), ttl.isZero() ? 0 : now + ttl.toSeconds(),
                explicitMax.toSeconds(), numUses, renewable || !period.isZero(), period.toSeconds(), boundCidrs);
        TokenStore.Issued issued = tokens.create(template);
        Response response = Response.ofAuth(authBlock(issued.token(), issued.entry()));
        warnings.forEach(response::warn);
        return response;
    }

    /**
     * Issues the token an auth method's login asked for: its policies (plus {@code default} unless
     * declined), TTL within its max (the method's, else the mount's, else 768h; the max also bounds
     * renewals), use limit and metadata. Login tokens are orphans, as in Vault.
     */
    @SuppressWarnings("unchecked")
    Response issueForLogin(Response login, String loginPath, String methodType, long mountDefaultTtl, long mountMaxTtl) {
        Map<String, Object> a = login.auth();
        Set<String> policies = new LinkedHashSet<>(lower((List<String>) a.getOrDefault("policies", List.of())));
        if (!Boolean.TRUE.equals(a.get("no_default_policy"))) {
            policies.add(Policy.DEFAULT);
        }
        long max = number(a.get("max_ttl"));
        if (max == 0) {
            max = mountMaxTtl > 0 ? mountMaxTtl : systemMaxTtl.toSeconds();
        }
        long ttl = number(a.get("ttl"));
        if (ttl == 0) {
            ttl = mountDefaultTtl > 0 ? mountDefaultTtl : DEFAULT_TTL.toSeconds();
        }
        ttl = Math.min(ttl, max);
        long now = clock.instant().getEpochSecond();
        Map<String, String> meta = new LinkedHashMap<>();
        ((Map<String, Object>) a.getOrDefault("metadata", Map.of())).forEach((k, v) -> meta.put(k, String.valueOf(v)));
        String name = String.valueOf(a.getOrDefault("display_name", ""));
        TokenStore.Issued issued = tokens.create(new TokenEntry(null, List.copyOf(policies),
                methodType + (name.isEmpty() ? "" : "-" + name), loginPath, now, ttl, meta, "", now + ttl, max,
                number(a.get("num_uses")), true, 0, (List<String>) a.getOrDefault("bound_cidrs", List.of())));
        Response out = Response.ofAuth(authBlock(issued.token(), issued.entry()));
        login.warnings().forEach(out::warn);
        return out;
    }

    private static long number(Object o) {
        return o instanceof Number n ? n.longValue() : 0;
    }

    static Map<String, Object> authBlock(String token, TokenEntry e) {
        Map<String, Object> auth = new LinkedHashMap<>();
        auth.put("client_token", token);
        auth.put("accessor", e.accessor());
        auth.put("policies", e.policies());
        auth.put("token_policies", e.policies());
        auth.put("metadata", e.meta().isEmpty() ? null : e.meta());
        auth.put("lease_duration", e.ttlSeconds());
        auth.put("renewable", e.renewable());
        auth.put("entity_id", "");
        auth.put("token_type", "service");
        auth.put("orphan", e.parentAccessor().isEmpty());
        auth.put("mfa_requirement", null);
        auth.put("num_uses", e.numUses());
        return auth;
    }

    private Response lookup(TokenEntry entry, String token) {
        long now = clock.instant().getEpochSecond();
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("accessor", entry.accessor());
        d.put("creation_time", entry.creationTime());
        d.put("creation_ttl", entry.ttlSeconds());
        d.put("display_name", entry.displayName());
        if (!entry.boundCidrs().isEmpty()) {
            d.put("bound_cidrs", entry.boundCidrs());
        }
        d.put("entity_id", "");
        d.put("expire_time", entry.expireTime() == 0 ? null : Instant.ofEpochSecond(entry.expireTime()).toString());
        d.put("explicit_max_ttl", entry.explicitMaxTtlSeconds());
        d.put("id", token);
        d.put("meta", entry.meta().isEmpty() ? null : entry.meta());
        d.put("num_uses", entry.numUses());
        d.put("orphan", entry.parentAccessor().isEmpty());
        d.put("path", entry.path());
        d.put("period", entry.periodSeconds());
        d.put("policies", entry.policies());
        d.put("renewable", entry.renewable());
        d.put("ttl", entry.expireTime() == 0 ? 0 : Math.max(0, entry.expireTime() - now));
        d.put("type", "service");
        return Response.of(d);
    }
}
