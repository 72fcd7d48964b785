package io.custos.broker.mount;

import io.custos.engine.sdk.EngineException;
import io.custos.engine.sdk.FieldType;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parts of Vault's mount {@code config} besides TTLs and description, as {@code sys/mounts},
 * {@code sys/auth} and their {@code tune} take them: validated, stored with the mount and echoed
 * back, so a tool that sets them (Terraform's provider) reads back what it wrote.
 */
public final class MountSettings {
    public static final String TOKEN_TYPE = "token_type";
    public static final String LISTING_VISIBILITY = "listing_visibility";
    public static final String AUDIT_NON_HMAC_REQUEST_KEYS = "audit_non_hmac_request_keys";
    public static final String AUDIT_NON_HMAC_RESPONSE_KEYS = "audit_non_hmac_response_keys";
    public static final String PASSTHROUGH_REQUEST_HEADERS = "passthrough_request_headers";
    public static final String ALLOWED_RESPONSE_HEADERS = "allowed_response_headers";
    public static final String ALLOWED_MANAGED_KEYS = "allowed_managed_keys";
    public static final String DELEGATED_AUTH_ACCESSORS = "delegated_auth_accessors";
    public static final String IDENTITY_TOKEN_KEY = "identity_token_key";

    private static final List<String> LISTS = List.of(AUDIT_NON_HMAC_REQUEST_KEYS, AUDIT_NON_HMAC_RESPONSE_KEYS,
            PASSTHROUGH_REQUEST_HEADERS, ALLOWED_RESPONSE_HEADERS, ALLOWED_MANAGED_KEYS, DELEGATED_AUTH_ACCESSORS);
    /** Every key this class handles (the TTLs, description and options are handled by the caller). */
    public static final List<String> KEYS = List.of(TOKEN_TYPE, LISTING_VISIBILITY, AUDIT_NON_HMAC_REQUEST_KEYS,
            AUDIT_NON_HMAC_RESPONSE_KEYS, PASSTHROUGH_REQUEST_HEADERS, ALLOWED_RESPONSE_HEADERS, ALLOWED_MANAGED_KEYS,
            DELEGATED_AUTH_ACCESSORS, IDENTITY_TOKEN_KEY);
    private static final List<String> TOKEN_TYPES = List.of("default-service", "default-batch", "service", "batch");

    private MountSettings() {
    }

    /**
     * {@code current} with the settings present in {@code given} applied; an empty list or string
     * clears a setting, as in Vault. {@code authMethod}: only auth mounts have a token type.
     */
    public static Map<String, Object> apply(Map<String, Object> current, Map<String, Object> given, boolean authMethod) {
        Map<String, Object> out = new LinkedHashMap<>(current);
        if (given == null) {
            return out;
        }
        for (String key : LISTS) {
            if (given.get(key) != null) {
                @SuppressWarnings("unchecked")
                List<String> values = ((List<String>) FieldType.COMMA_STRING_LIST.decode(key, given.get(key))).stream()
                        .map(String::trim).filter(s -> !s.isEmpty()).toList();
                if (values.isEmpty()) {
                    out.remove(key);
                } else {
                    out.put(key, values);
                }
            }
        }
        if (given.get(IDENTITY_TOKEN_KEY) != null) {
            String v = (String) FieldType.STRING.decode(IDENTITY_TOKEN_KEY, given.get(IDENTITY_TOKEN_KEY));
            if (v.isEmpty()) {
                out.remove(IDENTITY_TOKEN_KEY);
            } else {
                out.put(IDENTITY_TOKEN_KEY, v);
            }
        }
        if (Boolean.TRUE.equals(given.get("force_no_cache"))) {
            throw EngineException.badRequest("force_no_cache is not supported: Custos's cache is invalidated on write");
        }
        if (given.get(LISTING_VISIBILITY) != null) {
            String v = (String) FieldType.STRING.decode(LISTING_VISIBILITY, given.get(LISTING_VISIBILITY));
            switch (v) {
                case "" -> out.remove(LISTING_VISIBILITY);
                case "unauth", "hidden" -> out.put(LISTING_VISIBILITY, v);
                default -> throw EngineException.badRequest("invalid listing_visibility " + v);
            }
        }
        if (given.get(TOKEN_TYPE) != null) {
            String v = (String) FieldType.STRING.decode(TOKEN_TYPE, given.get(TOKEN_TYPE));
            if (!authMethod) {
                throw EngineException.badRequest("'token_type' can only be modified on auth mounts");
            }
            if (v.isEmpty() || v.equals("default")) {
                out.remove(TOKEN_TYPE);
            } else if (!TOKEN_TYPES.contains(v)) {
                throw EngineException.badRequest("invalid value for 'token_type'");
            } else {
                out.put(TOKEN_TYPE, v);
            }
        }
        return out;
    }
}
