package io.custos.broker.token;


import io.custos.broker.config.LeaseConfiguration;
import io.custos.broker.mount.MountEntry;
import io.custos.broker.mount.MountSettings;
import io.custos.broker.policy.Acl;
import io.custos.broker.policy.Policy;
import io.custos.engine.sdk.EngineException;
import io.custos.engine.sdk.FieldData;
import io.custos.engine.sdk.GoDuration;
import io.custos.engine.sdk.Request;
import io.custos.engine.sdk.Response;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Token creation with Vault's rules: a non-root parent hands out only its own policies (plus
 * {@code default} unless declined), TTLs from the system default and maximum, an explicit max, a
 * period and the caller's lease-policy caps; {@code create/:role} within its role; and the token
 * an auth method's login asks for.
 */
@Singleton
public class TokenIssuer {
    private final TokenStore tokens;
    private final TokenRoles roles;
    private final Clock clock;
    private final Duration systemMaxTtl;

    public TokenIssuer(TokenStore tokens, TokenRoles roles, Clock clock, LeaseConfiguration leaseConfig) {
        this.tokens = tokens;
        this.roles = roles;
        this.clock = clock;
        this.systemMaxTtl = leaseConfig.getMaxTtl();
    }

    /** What a create request settled on, before TTLs: the policies and the token's shape. */
    record Shape(List<String> policies, boolean orphan, String path, boolean renewable, long explicitMax,
            long period, long numUses, List<String> boundCidrs, boolean batch, long roleTtl, long roleMaxTtl) {
    }

    Response create(Request r, FieldData d, boolean orphanPath) {
        TokenCaller caller = TokenCaller.of(r);
        TokenEntry parent = caller.entry();
        Set<String> policies = new LinkedHashSet<>(lower(d.has("policies") ? d.getAs("policies") : parent.policies()));
        Acl.Decision decision = TokenCaller.of(r).decision();
        boolean sudo = parent.isRoot() || (decision != null && decision.sudo());
        if (!sudo) {
            for (String p : policies) {
                if (!p.equals(Policy.DEFAULT) && !parent.policies().contains(p)) {
                    throw EngineException.badRequest("child policies must be subset of parent");
                }
            }
        }
        boolean root = policies.contains(Policy.ROOT);
        if (root && !parent.isRoot()) {
            throw EngineException.badRequest("root tokens may not be created without parent token being root");
        }
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
            throw EngineException.badRequest("number of uses cannot be negative");
        }
        boolean orphan = orphanPath || d.getBool("no_parent");
        if (orphan && !sudo && !orphanPath) {
            throw EngineException.badRequest("root or sudo privileges required to create orphan token");
        }
        boolean batch = checkType(d.getString("type"), d);
        if (batch && root) {
            throw EngineException.badRequest("batch tokens cannot be root tokens");
        }
        Shape shape = new Shape(List.copyOf(policies), orphan, "auth/token/" + (orphanPath ? "create-orphan" : "create"),
                d.getBool("renewable"), d.getDuration("explicit_max_ttl").toSeconds(), d.getDuration("period").toSeconds(),
                numUses, orphan ? List.of() : parent.boundCidrs(), batch, 0, 0);
        return issue(r, d, shape, false);
    }

    /**
     * create/:role, Vault's rules: requested policies must be allowed (by list or glob; none
     * requested means the allowed list, or the parent's without one) and none disallowed; the role
     * sets orphan, renewability, path suffix, token type, period, explicit max, uses and networks.
     */
    Response createWithRole(Request r, FieldData d) {
        String name = d.getString("role_name");
        TokenRoles.TokenRole role = roles.loadRole(name).orElseThrow(() -> EngineException.badRequest("unknown role " + name));
        TokenCaller caller = TokenCaller.of(r);
        boolean noDefault = d.getBool("no_default_policy") || role.noDefaultPolicy();
        boolean addDefault = !noDefault && !role.disallowedPolicies().contains(Policy.DEFAULT);
        List<String> finalPolicies = d.has("policies") ? sanitize(d.getAs("policies"), addDefault) : List.of();
        boolean restricted = !role.allowedPolicies().isEmpty() || !role.allowedPoliciesGlob().isEmpty();
        if (restricted) {
            List<String> allowed = sanitize(role.allowedPolicies(), addDefault);
            if (finalPolicies.isEmpty()) {
                finalPolicies = role.allowedPolicies().isEmpty() ? List.of() : allowed;
            } else {
                for (String p : finalPolicies) {
                    if (!allowed.contains(p) && !roles.anyGlob(role.allowedPoliciesGlob(), p)) {
                        throw EngineException.badRequest("token policies (" + quoted(finalPolicies) + ") must be "
                                + "subset of the role's allowed policies (" + quoted(allowed) + ")");
                    }
                }
            }
        } else if (finalPolicies.isEmpty()) {
            finalPolicies = sanitize(caller.entry().policies(), addDefault);
        }
        for (String p : finalPolicies) {
            if (role.disallowedPolicies().contains(p) || roles.anyGlob(role.disallowedPoliciesGlob(), p)) {
                throw EngineException.badRequest("token policy \"" + p + "\" is disallowed by this role");
            }
        }
        List<String> policies = new ArrayList<>(finalPolicies);
        if (noDefault) {
            policies.remove(Policy.DEFAULT);
        }
        String type = d.getString("type");
        String roleType = role.tokenType();
        if (roleType.equals("service") || roleType.equals("batch")) {
            type = roleType;
        } else if (type.isEmpty()) {
            type = roleType.equals("default-batch") ? "batch" : "service";
        }
        List<String> warnings = new ArrayList<>();
        long explicitMax = lesser(role.explicitMaxTtl(), d.getDuration("explicit_max_ttl").toSeconds(), "Explicit max TTL",
                warnings);
        long period = lesser(role.period(), d.getDuration("period").toSeconds(), "Period", warnings);
        long uses = role.numUses() > 0 && (d.getLong("num_uses") <= 0 || role.numUses() < d.getLong("num_uses"))
                ? role.numUses() : Math.max(0, d.getLong("num_uses"));
        String path = "auth/token/create/" + name + (role.pathSuffix().isEmpty() ? "" : "/" + role.pathSuffix());
        Shape shape = new Shape(List.copyOf(policies), role.orphan(), path, role.renewable() && d.getBool("renewable"),
                explicitMax, period, uses, role.boundCidrs(), checkType(type, d), role.ttl(), role.maxTtl());
        Response response = issue(r, d, shape, true);
        warnings.forEach(response::warn);
        return response;
    }

    /** TTL (default, explicit max, lease-policy cap), type and storage of a token whose policies are settled. */
    Response issue(Request r, FieldData d, Shape shape, boolean fromRole) {
        TokenCaller caller = TokenCaller.of(r);
        if (caller.entry().isBatch()) {
            throw EngineException.badRequest("batch tokens cannot create child tokens");
        }
        boolean root = shape.policies().contains(Policy.ROOT);
        List<String> warnings = new ArrayList<>();
        Acl.Decision decision = TokenCaller.of(r).decision();
        boolean sudo = caller.entry().isRoot() || (decision != null && decision.sudo());
        Duration period = Duration.ofSeconds(shape.period());
        if (period.isNegative()) {
            throw EngineException.badRequest("period must be positive");
        }
        // as Vault: a token that renews forever is for root or sudo holders only (a role may grant it)
        if (!period.isZero() && !sudo && !(fromRole && d.getDuration("period").isZero())) {
            throw EngineException.badRequest("root or sudo privileges required to create periodic token");
        }
        String id = d.getString("id");
        if (!id.isEmpty() && !sudo) {
            throw EngineException.badRequest("root or sudo privileges required to specify token id");
        }
        if (!d.getString("entity_alias").isEmpty()) {
            throw EngineException.badRequest("entity_alias is not supported: Custos has no identity store");
        }
        Duration explicitMax = Duration.ofSeconds(shape.explicitMax());
        if (explicitMax.isNegative()) {
            throw EngineException.badRequest("explicit_max_ttl must be positive");
        }
        Duration ttl = ttl(d, shape, decision, period, explicitMax, root, warnings);
        long now = clock.instant().getEpochSecond();
        String name = d.getString("display_name").trim();
        String parentAccessor = shape.orphan() ? "" : caller.entry().accessor();
        TokenEntry template = new TokenEntry(null, shape.policies(), name.isEmpty() ? "token" : "token-" + name,
                shape.path(), now, ttl.toSeconds(), d.<Map<String, String>>getAs("meta") == null ? Map.of()
                        : d.getAs("meta"), parentAccessor, ttl.isZero() ? 0 : now + ttl.toSeconds(),
                explicitMax.toSeconds(), shape.numUses(), !shape.batch() && (shape.renewable() || !period.isZero())
                        && !ttl.isZero(), period.toSeconds(), shape.boundCidrs());
        TokenStore.Issued issued;
        if (shape.batch()) {
            if (!id.isEmpty()) {
                throw EngineException.badRequest("batch tokens cannot have a custom id");
            }
            issued = tokens.createBatch(template);
        } else {
            issued = id.isEmpty() ? tokens.create(template) : tokens.createWithId(id, template);
        }
        Response response = Response.ofAuth(authBlock(issued.token(), issued.entry()));
        warnings.forEach(response::warn);
        return response;
    }

    /**
     * The new token's TTL: its period, else the request's, the role's, a lease policy's default or
     * the system default; then cut to the role's max, the explicit max, a lease policy's max and the
     * system max (the last two with Vault's warning).
     */
    private Duration ttl(FieldData d, Shape shape, Acl.Decision decision, Duration period, Duration explicitMax,
            boolean root, List<String> warnings) {
        Duration ttl;
        if (!period.isZero()) {
            ttl = period;
        } else if (d.has("ttl")) {
            ttl = d.getDuration("ttl");
        } else if (shape.roleTtl() > 0) {
            ttl = Duration.ofSeconds(shape.roleTtl());
        } else if (decision != null && !decision.defaultTtl().isZero()) {
            ttl = decision.defaultTtl(); // a lease policy's default_ttl
        } else {
            ttl = root ? Duration.ZERO : DEFAULT_TTL;
        }
        if (ttl.isNegative()) {
            throw EngineException.badRequest("ttl must be positive");
        }
        if (shape.roleMaxTtl() > 0 && period.isZero() && (ttl.isZero() || ttl.toSeconds() > shape.roleMaxTtl())) {
            ttl = Duration.ofSeconds(shape.roleMaxTtl());
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
        return ttl;
    }

    /** The lesser of a role's and a request's setting (0 = unset), with Vault's warning when both were set. */
    static long lesser(long role, long requested, String what, List<String> warnings) {
        if (role == 0) {
            return requested;
        }
        if (requested == 0) {
            return role;
        }
        long v = Math.min(role, requested);
        warnings.add(what + " specified both during creation call and in role; using the lesser value of " + v
                + " seconds");
        return v;
    }

    /** "service" or "batch" (the latter without a period, use limit or explicit max, as Vault). */
    static boolean checkType(String type, FieldData d) {
        switch (type) {
            case "", "service" -> {
                return false;
            }
            case "batch" -> {
                String bad = !d.getDuration("explicit_max_ttl").isZero() ? "explicit_max_ttl"
                        : d.getLong("num_uses") != 0 ? "num_uses" : !d.getDuration("period").isZero() ? "period" : null;
                if (bad != null) {
                    throw EngineException.badRequest("batch tokens cannot have \"" + bad + "\" set");
                }
                return true;
            }
            default -> throw EngineException.badRequest("invalid 'token_type' value");
        }
    }

    /** Policy names trimmed and lower-cased, duplicates and blanks dropped, {@code default} added if asked. */
    static List<String> sanitize(List<String> in, boolean addDefault) {
        Set<String> out = new LinkedHashSet<>(lower(in));
        if (addDefault && !out.contains(Policy.ROOT)) {
            out.add(Policy.DEFAULT);
        }
        return List.copyOf(out);
    }

    static String quoted(List<String> policies) {
        return "[" + String.join(" ", policies.stream().map(p -> "\"" + p + "\"").toList()) + "]";
    }

    /**
     * Issues the token an auth method's login asked for: its policies (plus {@code default} unless
     * declined), TTL within its max (the method's, else the mount's, else 768h; the max also bounds
     * renewals) or a period, explicit max, use limit and metadata; a batch token when the role's
     * and the mount's {@code token_type} say so (Vault's resolution). Login tokens are orphans.
     */
    @SuppressWarnings("unchecked")
    public Response issueForLogin(Response login, String loginPath, MountEntry mount) {
        Map<String, Object> a = login.auth();
        Set<String> policies = new LinkedHashSet<>(lower((List<String>) a.getOrDefault("policies", List.of())));
        if (!Boolean.TRUE.equals(a.get("no_default_policy"))) {
            policies.add(Policy.DEFAULT);
        }
        long max = number(a.get("max_ttl"));
        if (max == 0) {
            max = mount.maxLeaseTtl() > 0 ? mount.maxLeaseTtl() : systemMaxTtl.toSeconds();
        }
        long explicitMax = number(a.get("explicit_max_ttl"));
        if (explicitMax > 0) {
            max = Math.min(max, explicitMax);
        }
        long period = number(a.get("period"));
        long ttl = number(a.get("ttl"));
        if (ttl == 0) {
            ttl = mount.defaultLeaseTtl() > 0 ? mount.defaultLeaseTtl() : DEFAULT_TTL.toSeconds();
        }
        ttl = period > 0 ? (explicitMax > 0 ? Math.min(period, explicitMax) : period) : Math.min(ttl, max);
        long numUses = number(a.get("num_uses"));
        boolean batch = loginTokenIsBatch(String.valueOf(a.getOrDefault("token_type", "default")),
                mount.setting(MountSettings.TOKEN_TYPE, "default-service"));
        if (batch && (numUses > 0 || period > 0)) {
            throw EngineException.badRequest("batch tokens cannot have \"" + (numUses > 0 ? "num_uses" : "period")
                    + "\" set");
        }
        long now = clock.instant().getEpochSecond();
        Map<String, String> meta = new LinkedHashMap<>();
        ((Map<String, Object>) a.getOrDefault("metadata", Map.of())).forEach((k, v) -> meta.put(k, String.valueOf(v)));
        String name = String.valueOf(a.getOrDefault("display_name", ""));
        TokenEntry template = new TokenEntry(null, List.copyOf(policies),
                mount.type() + (name.isEmpty() ? "" : "-" + name), loginPath, now, ttl, meta, "", now + ttl,
                explicitMax, numUses, !batch, period, (List<String>) a.getOrDefault("bound_cidrs", List.of()))
                .withMaxTtl(period > 0 ? 0 : max);
        TokenStore.Issued issued = batch ? tokens.createBatch(template) : tokens.create(template);
        Response out = Response.ofAuth(authBlock(issued.token(), issued.entry()));
        login.warnings().forEach(out::warn);
        return out;
    }

    /** Vault's rule: a mount set to service or batch decides; a default-* mount defers to the role. */
    static boolean loginTokenIsBatch(String roleType, String mountType) {
        return switch (mountType) {
            case "batch" -> true;
            case "service" -> false;
            case "default-batch" -> !roleType.equals("service") && !roleType.equals("default-service");
            default -> roleType.equals("batch") || roleType.equals("default-batch");
        };
    }

    static long number(Object o) {
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
        auth.put("token_type", e.isBatch() ? "batch" : "service");
        auth.put("orphan", e.parentAccessor().isEmpty());
        auth.put("mfa_requirement", null);
        auth.put("num_uses", e.numUses());
        return auth;
    }

    static long nonNegative(FieldData d, String field) {
        long v = d.getDuration(field).toSeconds();
        if (v < 0) {
            throw EngineException.badRequest(field + " cannot be negative");
        }
        return v;
    }

    /** Policy names as Vault treats them: trimmed, lower-case, blanks dropped. */
    static List<String> lower(List<String> in) {
        List<String> out = new ArrayList<>();
        in.forEach(p -> {
            String n = p.trim().toLowerCase(Locale.ROOT);
            if (!n.isEmpty()) {
                out.add(n);
            }
        });
        return out;
    }

    /** Vault's default and maximum token TTL when nothing else is configured: 32 days. */
    static final Duration DEFAULT_TTL = Duration.ofHours(768);
}
