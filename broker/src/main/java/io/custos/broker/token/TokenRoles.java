package io.custos.broker.token;


import io.custos.broker.barrier.BarrierStorage;
import io.custos.engine.sdk.Cidr;
import io.custos.engine.sdk.EngineException;
import io.custos.engine.sdk.Field;
import io.custos.engine.sdk.FieldData;
import io.custos.engine.sdk.FieldType;
import io.custos.engine.sdk.Json;
import io.custos.engine.sdk.Response;
import jakarta.inject.Singleton;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Token roles ({@code auth/token/roles/:name}): what tokens created through {@code create/:role}
 * may be — allowed and disallowed policies (globs too), orphan, period, TTLs, type, path suffix.
 */
@Singleton
public class TokenRoles {
    private final BarrierStorage storage;

    public TokenRoles(BarrierStorage storage) {
        this.storage = storage;
    }

    List<String> list() {
        return storage.list(ROLE_PREFIX);
    }

    void delete(String name) {
        storage.delete(ROLE_PREFIX + name);
    }

    static final String ROLE_PREFIX = "core/token/role/";

    static final Field[] ROLE_FIELDS = {
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

    Optional<TokenRole> loadRole(String name) {
        return storage.get(ROLE_PREFIX + name).map(b -> Json.read(b, TokenRole.class));
    }

    /** Vault's role read: current field names and the older aliases beside them. */
    static Response roleView(String name, TokenRole role) {
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

    Response writeRole(FieldData d) {
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
        long period = d.has("token_period") ? TokenIssuer.nonNegative(d, "token_period")
                : d.has("period") ? TokenIssuer.nonNegative(d, "period") : old.period();
        long explicitMax = d.has("token_explicit_max_ttl") ? TokenIssuer.nonNegative(d, "token_explicit_max_ttl")
                : d.has("explicit_max_ttl") ? TokenIssuer.nonNegative(d, "explicit_max_ttl") : old.explicitMaxTtl();
        long ttl = d.has("token_ttl") ? TokenIssuer.nonNegative(d, "token_ttl") : old.ttl();
        long maxTtl = d.has("token_max_ttl") ? TokenIssuer.nonNegative(d, "token_max_ttl") : old.maxTtl();
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
                d.has("allowed_policies") ? TokenIssuer.lower(d.getAs("allowed_policies")) : old.allowedPolicies(),
                d.has("disallowed_policies") ? TokenIssuer.lower(d.getAs("disallowed_policies")) : old.disallowedPolicies(),
                d.has("orphan") ? d.getBool("orphan") : old.orphan(),
                d.has("renewable") ? d.getBool("renewable") : old.renewable(),
                explicitMax,
                d.has("token_no_default_policy") ? d.getBool("token_no_default_policy") : old.noDefaultPolicy(),
                uses, d.has("token_bound_cidrs") ? Cidr.validate(d.getAs("token_bound_cidrs"))
                        : d.has("bound_cidrs") ? Cidr.validate(d.getAs("bound_cidrs")) : old.boundCidrs(),
                d.has("allowed_policies_glob") ? TokenIssuer.lower(d.getAs("allowed_policies_glob")) : old.allowedPoliciesGlob(),
                d.has("disallowed_policies_glob") ? TokenIssuer.lower(d.getAs("disallowed_policies_glob"))
                        : old.disallowedPoliciesGlob(),
                period, suffix, type, ttl, maxTtl,
                d.has("allowed_entity_aliases") ? d.getAs("allowed_entity_aliases") : old.allowedEntityAliases());
        storage.put(ROLE_PREFIX + d.getString("role_name"), Json.write(role));
        return null;
    }

    /** Vault's glob: '*' matches any run of characters, everything else is literal. */
    static boolean globMatches(String glob, String value) {
        return value.matches(Arrays.stream(glob.split("\\*", -1)).map(Pattern::quote)
                .collect(Collectors.joining(".*")));
    }

    static boolean anyGlob(List<String> globs, String value) {
        return globs.stream().anyMatch(g -> globMatches(g, value));
    }
}
