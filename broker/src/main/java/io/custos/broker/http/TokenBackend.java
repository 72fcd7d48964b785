package io.custos.broker.http;

import static io.custos.engine.sdk.Operation.READ;
import static io.custos.engine.sdk.Operation.UPDATE;

import io.custos.broker.policy.Acl;
import io.custos.broker.policy.Policy;
import io.custos.broker.token.TokenEntry;
import io.custos.broker.token.TokenStore;
import io.custos.engine.sdk.EngineException;
import io.custos.engine.sdk.Field;
import io.custos.engine.sdk.FieldData;
import io.custos.engine.sdk.FieldType;
import io.custos.engine.sdk.FrameworkEngine;
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
    static final String CALLER = "custos.caller";
    /** Request attribute: the ACL decision for this request (lease caps). */
    static final String DECISION = "custos.decision";
    /** Vault's default and maximum token TTL when nothing else is configured: 32 days. */
    static final Duration DEFAULT_TTL = Duration.ofHours(768);

    /** Who is calling: their stored entry and the token they presented. */
    record Caller(TokenEntry entry, String token) {
        @Override
        public String toString() {
            return "Caller[" + entry.accessor() + "]";
        }
    }

    private final TokenStore tokens;
    private final Clock clock;

    public TokenBackend(TokenStore tokens, Clock clock) {
        this.tokens = tokens;
        this.clock = clock;
    }

    private static final Field[] CREATE_FIELDS = {
        Field.of("policies", FieldType.COMMA_STRING_LIST, "Policies of the new token; default: the caller's."),
        Field.of("no_default_policy", FieldType.BOOL, "Do not add the default policy."),
        Field.of("ttl", FieldType.DURATION, "Time to live; default 768h, capped by explicit_max_ttl and lease policies."),
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
                PathSpec.path("create-orphan")
                        .fields(CREATE_FIELDS)
                        .on(UPDATE, (r, d) -> create(r, d, true))
                        .help("Creates a token with no parent (needs sudo).", "")
                        .build(),
                PathSpec.path("lookup-self")
                        .on(READ, (r, d) -> lookupSelf(r))
                        .help("The calling token's properties.", "")
                        .build());
    }

    private Response create(Request r, FieldData d, boolean orphanPath) {
        Caller caller = r.attribute(CALLER);
        TokenEntry parent = caller.entry();
        if (d.has("type") && !d.getString("type").equals("service")) {
            throw EngineException.badRequest("only service tokens are supported");
        }
        Set<String> policies = new LinkedHashSet<>();
        List<String> requested = d.has("policies") ? d.getAs("policies") : parent.policies();
        for (String p : requested) {
            String n = p.trim().toLowerCase(Locale.ROOT);
            if (!n.isEmpty()) {
                policies.add(n);
            }
        }
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
        if (orphan && !parent.isRoot() && !orphanPath) {
            throw EngineException.badRequest("root or sudo privileges required to create an orphan token");
        }

        List<String> warnings = new ArrayList<>();
        Duration ttl = d.has("ttl") ? d.getDuration("ttl") : (root ? Duration.ZERO : DEFAULT_TTL);
        if (ttl.isNegative()) {
            throw EngineException.badRequest("ttl cannot be negative");
        }
        Duration explicitMax = d.getDuration("explicit_max_ttl");
        if (!explicitMax.isZero() && (ttl.isZero() || ttl.compareTo(explicitMax) > 0)) {
            ttl = explicitMax;
        }
        Acl.Decision decision = r.attribute(DECISION);
        if (decision != null && !decision.maxTtl().isZero() && (ttl.isZero() || ttl.compareTo(decision.maxTtl()) > 0)) {
            warnings.add("TTL of \"" + GoDuration.format(ttl) + "\" exceeded the effective max_ttl of \""
                    + GoDuration.format(decision.maxTtl()) + "\" set by a lease policy; TTL value is capped accordingly");
            ttl = decision.maxTtl();
        }
        long now = clock.instant().getEpochSecond();
        String name = d.getString("display_name").trim();
        TokenEntry template = new TokenEntry(null, List.copyOf(policies), name.isEmpty() ? "token" : "token-" + name,
                "auth/token/" + (orphanPath ? "create-orphan" : "create"), now, ttl.toSeconds(),
                d.<Map<String, String>>getAs("meta") == null ? Map.of() : d.getAs("meta"),
                orphan ? "" : parent.accessor(), ttl.isZero() ? 0 : now + ttl.toSeconds(), explicitMax.toSeconds(),
                numUses, d.getBool("renewable"));
        TokenStore.Issued issued = tokens.create(template);
        Response response = Response.ofAuth(authBlock(issued, orphan));
        warnings.forEach(response::warn);
        return response;
    }

    static Map<String, Object> authBlock(TokenStore.Issued issued, boolean orphan) {
        TokenEntry e = issued.entry();
        Map<String, Object> auth = new LinkedHashMap<>();
        auth.put("client_token", issued.token());
        auth.put("accessor", e.accessor());
        auth.put("policies", e.policies());
        auth.put("token_policies", e.policies());
        auth.put("metadata", e.meta().isEmpty() ? null : e.meta());
        auth.put("lease_duration", e.ttlSeconds());
        auth.put("renewable", e.renewable());
        auth.put("entity_id", "");
        auth.put("token_type", "service");
        auth.put("orphan", orphan);
        auth.put("mfa_requirement", null);
        auth.put("num_uses", e.numUses());
        return auth;
    }

    private Response lookupSelf(Request r) {
        Caller caller = r.attribute(CALLER);
        TokenEntry entry = caller.entry();
        long now = clock.instant().getEpochSecond();
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("accessor", entry.accessor());
        d.put("creation_time", entry.creationTime());
        d.put("creation_ttl", entry.ttlSeconds());
        d.put("display_name", entry.displayName());
        d.put("entity_id", "");
        d.put("expire_time", entry.expireTime() == 0 ? null : Instant.ofEpochSecond(entry.expireTime()).toString());
        d.put("explicit_max_ttl", entry.explicitMaxTtlSeconds());
        d.put("id", caller.token());
        d.put("meta", entry.meta().isEmpty() ? null : entry.meta());
        d.put("num_uses", entry.numUses());
        d.put("orphan", entry.parentAccessor() == null || entry.parentAccessor().isEmpty());
        d.put("path", entry.path());
        d.put("policies", entry.policies());
        d.put("renewable", entry.renewable());
        d.put("ttl", entry.expireTime() == 0 ? 0 : Math.max(0, entry.expireTime() - now));
        d.put("type", "service");
        return Response.of(d);
    }
}
