package io.custos.broker.token;

import static io.custos.engine.sdk.Operation.DELETE;
import static io.custos.engine.sdk.Operation.LIST;
import static io.custos.engine.sdk.Operation.READ;
import static io.custos.engine.sdk.Operation.UPDATE;

import io.custos.broker.barrier.BarrierStorage;
import io.custos.broker.config.LeaseConfiguration;
import io.custos.broker.mount.MountEntry;
import io.custos.broker.mount.MountSettings;
import io.custos.broker.policy.Acl;
import io.custos.broker.policy.Policy;
import io.custos.broker.mount.BuiltinBackend;
import io.custos.engine.sdk.Cidr;
import io.custos.engine.sdk.EngineException;
import io.custos.engine.sdk.Field;
import io.custos.engine.sdk.FieldData;
import io.custos.engine.sdk.FieldType;
import io.custos.engine.sdk.FrameworkBackend;
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
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The {@code auth/token/} backend: token creation with Vault's policy rules (a non-root parent can
 * only hand out its own policies; {@code default} unless declined) and TTL rules (system default,
 * explicit max, and Custos's lease-policy caps from the caller's policies), and lookup-self.
 */
@Singleton
public class TokenBackend extends FrameworkBackend implements BuiltinBackend {
    /** Vault's default and maximum token TTL when nothing else is configured: 32 days. */
    static final Duration DEFAULT_TTL = Duration.ofHours(768);

    private final TokenStore tokens;
    private final BarrierStorage storage;
    private final Clock clock;
    private final Duration systemMaxTtl;
    private final TokenSweeper sweeper;

    public TokenBackend(TokenStore tokens, BarrierStorage storage, Clock clock,
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
        Field.of("type", FieldType.STRING, "service (the default) or batch: sealed into the token, not stored, "
                + "not renewable, gone with its parent."),
        Field.of("id", FieldType.STRING, "A token id of the caller's choosing (root or sudo only).").asSensitive(),
        Field.of("entity_alias", FieldType.STRING, "Not supported (Custos has no identity store); must be empty."),
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
                        .fields(ROLE_FIELDS)
                        .on(READ, (r, d) -> loadRole(d.getString("role_name"))
                                .map(role -> roleView(d.getString("role_name"), role)).orElse(null))
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
                        .sudo()
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
                        .on(UPDATE, (r, d) -> revoke(Optional.of(byAccessor(d)), false))
                        .help("Revokes the token with this accessor, and its children.", "")
                        .build(),
                PathSpec.path("revoke-orphan")
                        .fields(TOKEN)
                        .on(UPDATE, (r, d) -> revoke(tokens.find(required(d, "token")), true))
                        .help("Revokes a token but not its children, which become orphans (needs sudo).", "")
                        .sudo()
                        .build(),
                PathSpec.path("accessors/?")
                        .on(LIST, (r, d) -> Response.listOf(tokens.accessors()))
                        .help("Lists the accessors of every live token (needs sudo).", "")
                        .sudo()
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

    private static TokenCaller caller(Request r) {
        return TokenCaller.of(r);
    }

    @Override
    public String mountPath() {
        return "auth/token/";
    }

    @Override
    public String mountType() {
        return "token";
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

    private Response revoke(Optional<TokenStore.Found> target, boolean orphanChildren) {
        if (target.isPresent() && target.get().isBatch()) {
            throw EngineException.badRequest("batch tokens cannot be revoked");
        }
        target.ifPresent(f -> tokens.revoke(f.hash(), orphanChildren));
        return null;
    }

    /**
     * The new TTL counts from now and never passes creation + max TTL (the explicit max, else the
     * system's 768h) nor a lease-policy cap; cutting it short earns Vault's warning.
     */
    private Response renew(Request r, FieldData d, TokenStore.Found target, String presented) {
        TokenEntry e = target.entry();
        if (target.isBatch()) {
            throw EngineException.badRequest("batch tokens cannot be renewed");
        }
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
        long max = e.explicitMaxTtlSeconds() > 0 ? e.creationTime() + e.explicitMaxTtlSeconds() : Long.MAX_VALUE;
        if (e.maxTtlSeconds() > 0) {
            max = Math.min(max, e.creationTime() + e.maxTtlSeconds());
        } else if (e.periodSeconds() == 0 && e.explicitMaxTtlSeconds() == 0) {
            max = e.creationTime() + DEFAULT_TTL.toSeconds();
        }
        Acl.Decision decision = TokenCaller.of(r).decision();
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
        // the entry keeps its creation TTL (lookup's creation_ttl); the answer gives the new one
        TokenEntry renewed = e.renewed(e.ttlSeconds(), expire, now);
        tokens.update(target.hash(), renewed);
        Map<String, Object> auth = authBlock(presented, renewed);
        auth.put("lease_duration", expire - now);
        Response response = Response.ofAuth(auth);
        warnings.forEach(response::warn);
        return response;
    }

    static final String ROLE_PREFIX = "core/token/role/";

    private static final Field[] ROLE_FIELDS = {
        Field.of("allowed_policies", FieldType.COMMA_STRING_LIST, "Policies tokens of this role may have; also the "
                + "default set."),
        Field.of("disallowed_policies", FieldType.COMMA_STRING_LIST, "Policies they may never have."),
        Field.of("allowed_policies_glob", FieldType.COMMA_STRING_LIST, "Glob patterns (*) of policies they may have."),
        Field.of("disallowed_policies_glob", FieldType.COMMA_STRING_LIST, "Glob patterns (*) of policies they may "
                + "never have."),
        Field.of("orphan", FieldType.BOOL, "Tokens have no parent."),
        Field.of("renewable", FieldType.BOOL, "Tokens can be renewed.").withDefault(true),
        Field.of("path_suffix", FieldType.STRING, "Appended to the tokens' path (auth/token/create/<role>/<suffix>), "
                + "so one revision's tokens can be revoked by prefix."),
        Field.of("allowed_entity_aliases", FieldType.COMMA_STRING_LIST, "Stored; Custos has no identity store."),
        Field.of("token_ttl", FieldType.DURATION, "Default TTL of the tokens."),
        Field.of("token_max_ttl", FieldType.DURATION, "Maximum TTL of the tokens."),
        Field.of("token_period", FieldType.DURATION, "Tokens are periodic with this period."),
        Field.of("period", FieldType.DURATION, "Older name of token_period."),
        Field.of("token_explicit_max_ttl", FieldType.DURATION, "Hard cap on the tokens' life."),
        Field.of("explicit_max_ttl", FieldType.DURATION, "Older name of token_explicit_max_ttl."),
        Field.of("token_no_default_policy", FieldType.BOOL, "Do not add the default policy."),
        Field.of("token_num_uses", FieldType.INT, "Uses per token; 0 is unlimited."),
        Field.of("token_type", FieldType.STRING, "default-service (default), default-batch, service or batch."),
        Field.of("token_bound_cidrs", FieldType.COMMA_STRING_LIST, "Networks the role's tokens may be used from."),
        Field.of("bound_cidrs", FieldType.COMMA_STRING_LIST, "Older name of token_bound_cidrs."),
    };

    /** A token role as stored. Durations in seconds. */
    public record TokenRole(List<String> allowedPolicies, List<String> disallowedPolicies, boolean orphan,
            boolean renewable, long explicitMaxTtl, boolean noDefaultPolicy, long numUses, List<String> boundCidrs,
            List<String> allowedPoliciesGlob, List<String> disallowedPoliciesGlob, long period, String pathSuffix,
            String tokenType, long ttl, long maxTtl, List<String> allowedEntityAliases) {
        public TokenRole {
            allowedPolicies = allowedPolicies == null ? List.of() : allowedPolicies;
            disallowedPolicies = disallowedPolicies == null ? List.of() : disallowedPolicies;
            boundCidrs = boundCidrs == null ? List.of() : boundCidrs;
            allowedPoliciesGlob = allowedPoliciesGlob == null ? List.of() : allowedPoliciesGlob;
            disallowedPoliciesGlob = disallowedPoliciesGlob == null ? List.of() : disallowedPoliciesGlob;
            pathSuffix = pathSuffix == null ? "" : pathSuffix;
            tokenType = tokenType == null || tokenType.isEmpty() ? "default-service" : tokenType;
            allowedEntityAliases = allowedEntityAliases == null ? List.of() : allowedEntityAliases;
        }
    }

    private Optional<TokenRole> loadRole(String name) {
        return storage.get(ROLE_PREFIX + name).map(b -> Json.read(b, TokenRole.class));
    }

    /** Vault's role read: current field names and the older aliases beside them. */
    private static Response roleView(String name, TokenRole role) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("allowed_policies", role.allowedPolicies());
        m.put("disallowed_policies", role.disallowedPolicies());
        m.put("allowed_policies_glob", role.allowedPoliciesGlob());
        m.put("disallowed_policies_glob", role.disallowedPoliciesGlob());
        m.put("allowed_entity_aliases", role.allowedEntityAliases());
        m.put("orphan", role.orphan());
        m.put("renewable", role.renewable());
        m.put("path_suffix", role.pathSuffix());
        m.put("token_ttl", role.ttl());
        m.put("token_max_ttl", role.maxTtl());
        m.put("token_period", role.period());
        m.put("period", role.period());
        m.put("token_explicit_max_ttl", role.explicitMaxTtl());
        m.put("explicit_max_ttl", role.explicitMaxTtl());
        m.put("token_no_default_policy", role.noDefaultPolicy());
        m.put("token_num_uses", role.numUses());
        m.put("token_bound_cidrs", role.boundCidrs());
        m.put("bound_cidrs", role.boundCidrs());
        m.put("token_type", role.tokenType());
        return Response.of(m);
    }

    private static final List<String> ROLE_TOKEN_TYPES = List.of("default-service", "default-batch", "service", "batch");

    private Response writeRole(FieldData d) {
        TokenRole old = loadRole(d.getString("role_name")).orElse(new TokenRole(null, null, false, true, 0, false, 0,
                null, null, null, 0, null, null, 0, 0, null));
        String type = d.has("token_type") ? d.getString("token_type") : old.tokenType();
        if (type.isEmpty() || type.equals("default")) {
            type = "default-service";
        }
        if (!ROLE_TOKEN_TYPES.contains(type)) {
            throw EngineException.badRequest("invalid 'token_type' value \"" + type + "\"");
        }
        long uses = d.has("token_num_uses") ? d.getLong("token_num_uses") : old.numUses();
        if (uses < 0) {
            throw EngineException.badRequest("token_num_uses cannot be negative");
        }
        String suffix = d.has("path_suffix") ? d.getString("path_suffix").trim() : old.pathSuffix();
        if (suffix.contains("..") || suffix.startsWith("/") || suffix.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw EngineException.badRequest("error: path_suffix cannot contain '..'");
        }
        long period = d.has("token_period") ? nonNegative(d, "token_period")
                : d.has("period") ? nonNegative(d, "period") : old.period();
        long explicitMax = d.has("token_explicit_max_ttl") ? nonNegative(d, "token_explicit_max_ttl")
                : d.has("explicit_max_ttl") ? nonNegative(d, "explicit_max_ttl") : old.explicitMaxTtl();
        long ttl = d.has("token_ttl") ? nonNegative(d, "token_ttl") : old.ttl();
        long maxTtl = d.has("token_max_ttl") ? nonNegative(d, "token_max_ttl") : old.maxTtl();
        if (maxTtl > 0 && ttl > maxTtl) {
            throw EngineException.badRequest("'token_ttl' cannot be greater than 'token_max_ttl'");
        }
        if (type.endsWith("batch") && period > 0) {
            throw EngineException.badRequest("'token_type' cannot be 'batch' or 'default_batch' when set to generate "
                    + "periodic tokens");
        }
        if (type.endsWith("batch") && uses > 0) {
            throw EngineException.badRequest("'token_type' cannot be 'batch' or 'default_batch' when set to generate "
                    + "tokens with limited use count");
        }
        TokenRole role = new TokenRole(
                d.has("allowed_policies") ? lower(d.getAs("allowed_policies")) : old.allowedPolicies(),
                d.has("disallowed_policies") ? lower(d.getAs("disallowed_policies")) : old.disallowedPolicies(),
                d.has("orphan") ? d.getBool("orphan") : old.orphan(),
                d.has("renewable") ? d.getBool("renewable") : old.renewable(),
                explicitMax,
                d.has("token_no_default_policy") ? d.getBool("token_no_default_policy") : old.noDefaultPolicy(),
                uses, d.has("token_bound_cidrs") ? Cidr.validate(d.getAs("token_bound_cidrs"))
                        : d.has("bound_cidrs") ? Cidr.validate(d.getAs("bound_cidrs")) : old.boundCidrs(),
                d.has("allowed_policies_glob") ? lower(d.getAs("allowed_policies_glob")) : old.allowedPoliciesGlob(),
                d.has("disallowed_policies_glob") ? lower(d.getAs("disallowed_policies_glob"))
                        : old.disallowedPoliciesGlob(),
                period, suffix, type, ttl, maxTtl,
                d.has("allowed_entity_aliases") ? d.getAs("allowed_entity_aliases") : old.allowedEntityAliases());
        storage.put(ROLE_PREFIX + d.getString("role_name"), Json.write(role));
        return null;
    }

    private static long nonNegative(FieldData d, String field) {
        long v = d.getDuration(field).toSeconds();
        if (v < 0) {
            throw EngineException.badRequest(field + " cannot be negative");
        }
        return v;
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

    /** What a create request settled on, before TTLs: the policies and the token's shape. */
    private record Shape(List<String> policies, boolean orphan, String path, boolean renewable, long explicitMax,
            long period, long numUses, List<String> boundCidrs, boolean batch, long roleTtl, long roleMaxTtl) {
    }

    /** Vault's glob: '*' matches any run of characters, everything else is literal. */
    static boolean globMatches(String glob, String value) {
        return value.matches(Arrays.stream(glob.split("\\*", -1)).map(Pattern::quote)
                .collect(Collectors.joining(".*")));
    }

    private static boolean anyGlob(List<String> globs, String value) {
        return globs.stream().anyMatch(g -> globMatches(g, value));
    }

    /**
     * create/:role, Vault's rules: requested policies must be allowed (by list or glob; none
     * requested means the allowed list, or the parent's without one) and none disallowed; the role
     * sets orphan, renewability, path suffix, token type, period, explicit max, uses and networks.
     */
    private Response createWithRole(Request r, FieldData d) {
        String name = d.getString("role_name");
        TokenRole role = loadRole(name).orElseThrow(() -> EngineException.badRequest("unknown role " + name));
        TokenCaller caller = caller(r);
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
                    if (!allowed.contains(p) && !anyGlob(role.allowedPoliciesGlob(), p)) {
                        throw EngineException.badRequest("token policies (" + quoted(finalPolicies) + ") must be "
                                + "subset of the role's allowed policies (" + quoted(allowed) + ")");
                    }
                }
            }
        } else if (finalPolicies.isEmpty()) {
            finalPolicies = sanitize(caller.entry().policies(), addDefault);
        }
        for (String p : finalPolicies) {
            if (role.disallowedPolicies().contains(p) || anyGlob(role.disallowedPoliciesGlob(), p)) {
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

    /** The lesser of a role's and a request's setting (0 = unset), with Vault's warning when both were set. */
    private static long lesser(long role, long requested, String what, List<String> warnings) {
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
    private static boolean checkType(String type, FieldData d) {
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
    private static List<String> sanitize(List<String> in, boolean addDefault) {
        Set<String> out = new LinkedHashSet<>(lower(in));
        if (addDefault && !out.contains(Policy.ROOT)) {
            out.add(Policy.DEFAULT);
        }
        return List.copyOf(out);
    }

    private static String quoted(List<String> policies) {
        return "[" + String.join(" ", policies.stream().map(p -> "\"" + p + "\"").toList()) + "]";
    }

    private Response create(Request r, FieldData d, boolean orphanPath) {
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

    /** TTL (default, explicit max, lease-policy cap), type and storage of a token whose policies are settled. */
    private Response issue(Request r, FieldData d, Shape shape, boolean fromRole) {
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
        Duration explicitMax = Duration.ofSeconds(shape.explicitMax());
        if (explicitMax.isNegative()) {
            throw EngineException.badRequest("explicit_max_ttl must be positive");
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
        auth.put("token_type", e.isBatch() ? "batch" : "service");
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
        d.put("issue_time", Instant.ofEpochSecond(entry.creationTime()).toString());
        if (entry.lastRenewalTime() > 0) {
            d.put("last_renewal", Instant.ofEpochSecond(entry.lastRenewalTime()).toString());
            d.put("last_renewal_time", entry.lastRenewalTime());
        }
        d.put("meta", entry.meta().isEmpty() ? null : entry.meta());
        d.put("num_uses", entry.numUses());
        d.put("orphan", entry.parentAccessor().isEmpty());
        d.put("path", entry.path());
        d.put("period", entry.periodSeconds());
        d.put("policies", entry.policies());
        d.put("renewable", entry.renewable());
        d.put("ttl", entry.expireTime() == 0 ? 0 : Math.max(0, entry.expireTime() - now));
        d.put("type", entry.isBatch() ? "batch" : "service");
        return Response.of(d);
    }
}
