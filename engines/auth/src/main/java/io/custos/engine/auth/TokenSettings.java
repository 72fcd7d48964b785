package io.custos.engine.auth;

import io.custos.engine.sdk.Cidr;
import io.custos.engine.sdk.EngineException;
import io.custos.engine.sdk.Field;
import io.custos.engine.sdk.FieldData;
import io.custos.engine.sdk.FieldType;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code token_*} settings every auth method's role carries (Vault's {@code tokenutil}): their
 * field declarations, how a write updates them, how a read shows them, and the auth block a login
 * hands to the broker to issue the token. Durations are seconds.
 */
public final class TokenSettings {
    /** Token types a role may ask for; {@code default} defers to the mount's {@code token_type}. */
    public static final List<String> TOKEN_TYPES = List.of("default", "default-service", "default-batch", "service",
            "batch");

    public List<String> tokenPolicies = List.of();
    public long tokenTtl;
    public long tokenMaxTtl;
    public long tokenNumUses;
    public boolean tokenNoDefaultPolicy;
    public List<String> tokenBoundCidrs = List.of();
    public long tokenPeriod;
    public long tokenExplicitMaxTtl;
    public String tokenType = "default";

    public static final Field[] FIELDS = {
        Field.of("token_policies", FieldType.COMMA_STRING_LIST, "Policies of issued tokens."),
        Field.of("policies", FieldType.COMMA_STRING_LIST, "Older name of token_policies."),
        Field.of("token_ttl", FieldType.DURATION, "TTL of issued tokens."),
        Field.of("token_max_ttl", FieldType.DURATION, "Maximum TTL of issued tokens (bounds renewals too)."),
        Field.of("token_num_uses", FieldType.INT, "Uses of issued tokens; 0 is unlimited."),
        Field.of("token_no_default_policy", FieldType.BOOL, "Do not add the default policy."),
        Field.of("token_type", FieldType.STRING, "default (the mount's), default-service, default-batch, service or batch."),
        Field.of("token_bound_cidrs", FieldType.COMMA_STRING_LIST, "Networks issued tokens may be used from."),
        Field.of("token_period", FieldType.DURATION, "Issue periodic tokens: each renewal restores a full period."),
        Field.of("period", FieldType.DURATION, "Older name of token_period."),
        Field.of("token_explicit_max_ttl", FieldType.DURATION, "A hard cap on issued tokens' life, renewals included."),
    };

    /** Applies the fields present in a role write; absent ones keep their value. */
    public void update(FieldData d) {
        if (d.has("token_type")) {
            String type = d.getString("token_type").isEmpty() ? "default" : d.getString("token_type");
            if (!TOKEN_TYPES.contains(type)) {
                throw EngineException.badRequest("invalid 'token_type' value \"" + type + "\"");
            }
            tokenType = type;
        }
        if (d.has("token_policies") || d.has("policies")) {
            tokenPolicies = d.has("token_policies") ? d.getAs("token_policies") : d.getAs("policies");
        }
        if (d.has("token_ttl")) {
            tokenTtl = nonNegative("token_ttl", d.getDuration("token_ttl").toSeconds());
        }
        if (d.has("token_max_ttl")) {
            tokenMaxTtl = nonNegative("token_max_ttl", d.getDuration("token_max_ttl").toSeconds());
        }
        if (d.has("token_num_uses")) {
            tokenNumUses = nonNegative("token_num_uses", d.getLong("token_num_uses"));
        }
        if (d.has("token_no_default_policy")) {
            tokenNoDefaultPolicy = d.getBool("token_no_default_policy");
        }
        if (d.has("token_bound_cidrs")) {
            tokenBoundCidrs = Cidr.validate(d.getAs("token_bound_cidrs"));
        }
        if (d.has("token_period") || d.has("period")) {
            tokenPeriod = nonNegative("token_period",
                    d.getDuration(d.has("token_period") ? "token_period" : "period").toSeconds());
        }
        if (d.has("token_explicit_max_ttl")) {
            tokenExplicitMaxTtl = nonNegative("token_explicit_max_ttl", d.getDuration("token_explicit_max_ttl").toSeconds());
        }
        if (tokenMaxTtl > 0 && tokenTtl > tokenMaxTtl) {
            throw EngineException.badRequest("'token_ttl' cannot be greater than 'token_max_ttl'");
        }
        if (tokenType.endsWith("batch")) {
            if (tokenPeriod > 0) {
                throw EngineException.badRequest("'token_type' cannot be 'batch' or 'default_batch' when set to "
                        + "generate periodic tokens");
            }
            if (tokenNumUses > 0) {
                throw EngineException.badRequest("'token_type' cannot be 'batch' or 'default_batch' when set to "
                        + "generate tokens with limited use count");
            }
        }
    }

    /** Adds the settings to a role read, in Vault's field names. */
    public void describeInto(Map<String, Object> out) {
        out.put("token_policies", tokenPolicies);
        out.put("policies", tokenPolicies);
        out.put("token_ttl", tokenTtl);
        out.put("token_max_ttl", tokenMaxTtl);
        out.put("token_num_uses", tokenNumUses);
        out.put("token_no_default_policy", tokenNoDefaultPolicy);
        out.put("token_type", tokenType == null ? "default" : tokenType);
        out.put("token_bound_cidrs", tokenBoundCidrs);
        out.put("token_period", tokenPeriod);
        out.put("period", tokenPeriod);
        out.put("token_explicit_max_ttl", tokenExplicitMaxTtl);
    }

    /** What a successful login returns for the broker to issue the token from. */
    public Map<String, Object> authRequest(String displayName, Map<String, String> metadata) {
        Map<String, Object> auth = new LinkedHashMap<>();
        auth.put("policies", tokenPolicies);
        auth.put("no_default_policy", tokenNoDefaultPolicy);
        auth.put("ttl", tokenTtl);
        auth.put("max_ttl", tokenMaxTtl);
        auth.put("num_uses", tokenNumUses);
        auth.put("display_name", displayName);
        auth.put("metadata", metadata);
        auth.put("bound_cidrs", tokenBoundCidrs);
        auth.put("period", tokenPeriod);
        auth.put("explicit_max_ttl", tokenExplicitMaxTtl);
        auth.put("token_type", tokenType == null ? "default" : tokenType);
        return auth;
    }

    private static long nonNegative(String field, long v) {
        if (v < 0) {
            throw EngineException.badRequest(field + " cannot be negative");
        }
        return v;
    }
}
