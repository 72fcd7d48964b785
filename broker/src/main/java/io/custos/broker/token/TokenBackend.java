package io.custos.broker.token;

import static io.custos.engine.sdk.Operation.DELETE;
import static io.custos.engine.sdk.Operation.LIST;
import static io.custos.engine.sdk.Operation.READ;
import static io.custos.engine.sdk.Operation.UPDATE;

import io.custos.broker.policy.Acl;
import io.custos.broker.mount.BuiltinBackend;
import io.custos.engine.sdk.EngineException;
import io.custos.engine.sdk.Field;
import io.custos.engine.sdk.FieldData;
import io.custos.engine.sdk.FieldType;
import io.custos.engine.sdk.FrameworkBackend;
import io.custos.engine.sdk.GoDuration;
import io.custos.engine.sdk.PathSpec;
import io.custos.engine.sdk.Request;
import io.custos.engine.sdk.Response;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code auth/token/} backend: token creation with Vault's policy rules (a non-root parent can
 * only hand out its own policies; {@code default} unless declined) and TTL rules (system default,
 * explicit max, and Custos's lease-policy caps from the caller's policies), and lookup-self.
 */
@Singleton
public class TokenBackend extends FrameworkBackend implements BuiltinBackend {
    private final TokenStore tokens;
    private final TokenRoles roles;
    private final TokenIssuer issuer;
    private final Clock clock;
    private final TokenSweeper sweeper;

    public TokenBackend(TokenStore tokens, TokenRoles roles, TokenIssuer issuer, Clock clock, TokenSweeper sweeper) {
        this.tokens = tokens;
        this.roles = roles;
        this.issuer = issuer;
        this.clock = clock;
        this.sweeper = sweeper;
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
        List<PathSpec> out = new ArrayList<>();
        out.addAll(creationPaths());
        out.addAll(lookupPaths());
        out.addAll(renewalPaths());
        out.addAll(revocationPaths());
        return out;
    }

    /** Creating tokens, directly or through a role, and the roles themselves. */
    private List<PathSpec> creationPaths() {
        return List.of(
                PathSpec.path("create")
                        .fields(CREATE_FIELDS)
                        .on(UPDATE, (r, d) -> issuer.create(r, d, false))
                        .help("Creates a child token of the caller.", "")
                        .build(),
                PathSpec.path("create/(?P<role_name>[^/]+)")
                        .fields(CREATE_FIELDS)
                        .on(UPDATE, (r, d) -> issuer.createWithRole(r, d))
                        .help("Creates a token from a token role's rules.", "")
                        .build(),
                PathSpec.path("roles/?")
                        .on(LIST, (r, d) -> Response.listOf(roles.list()))
                        .help("Lists token roles.", "")
                        .build(),
                PathSpec.path("roles/(?P<role_name>[^/]+)")
                        .fields(TokenRoles.ROLE_FIELDS)
                        .on(READ, (r, d) -> roles.loadRole(d.getString("role_name"))
                                .map(role -> roles.roleView(d.getString("role_name"), role)).orElse(null))
                        .on(UPDATE, (r, d) -> roles.writeRole(d))
                        .on(DELETE, (r, d) -> {
                            roles.delete(d.getString("role_name"));
                            return null;
                        })
                        .help("Token roles: what tokens created through create/:role may be.", "")
                        .build(),
                PathSpec.path("create-orphan")
                        .fields(CREATE_FIELDS)
                        .on(UPDATE, (r, d) -> issuer.create(r, d, true))
                        .help("Creates a token with no parent (needs sudo).", "")
                        .sudo()
                        .build());
    }

    /** Looking tokens up, by token or accessor. */
    private List<PathSpec> lookupPaths() {
        return List.of(
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
                PathSpec.path("accessors/?")
                        .on(LIST, (r, d) -> Response.listOf(tokens.accessors()))
                        .help("Lists the accessors of every live token (needs sudo).", "")
                        .sudo()
                        .build());
    }

    /** Renewing tokens. */
    private List<PathSpec> renewalPaths() {
        return List.of(
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
                        .build());
    }

    /** Revoking tokens, with or without their children, and tidying the store. */
    private List<PathSpec> revocationPaths() {
        return List.of(
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
            return Response.ofAuth(issuer.authBlock(presented, e));
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
            max = e.creationTime() + TokenIssuer.DEFAULT_TTL.toSeconds();
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
        Map<String, Object> auth = issuer.authBlock(presented, renewed);
        auth.put("lease_duration", expire - now);
        Response response = Response.ofAuth(auth);
        warnings.forEach(response::warn);
        return response;
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
