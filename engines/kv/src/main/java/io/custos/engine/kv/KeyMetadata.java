package io.custos.engine.kv;

import io.custos.engine.sdk.EngineException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The stored metadata of one KV v2 key: its settings and the state of every live version.
 * Holds no secret data (that lives in one entry per version), so it is safe to list and read.
 */
final class KeyMetadata {
    static final int MAX_CUSTOM_METADATA_KEYS = 64;

    static final int MAX_CUSTOM_METADATA_KEY_LENGTH = 128;

    static final int MAX_CUSTOM_METADATA_VALUE_LENGTH = 512;

    static void validateCustom(Map<String, String> m) {
        if (m.size() > MAX_CUSTOM_METADATA_KEYS) {
            throw EngineException.badRequest("custom_metadata validation failed: payload must contain at most "
                    + MAX_CUSTOM_METADATA_KEYS + " keys, provided " + m.size());
        }
        for (Map.Entry<String, String> e : m.entrySet()) {
            if (e.getKey().length() > MAX_CUSTOM_METADATA_KEY_LENGTH) {
                throw EngineException.badRequest("custom_metadata validation failed: length of key exceeds "
                        + MAX_CUSTOM_METADATA_KEY_LENGTH + " characters");
            }
            if (e.getValue().length() > MAX_CUSTOM_METADATA_VALUE_LENGTH) {
                throw EngineException.badRequest("custom_metadata validation failed: length of value for key \""
                        + e.getKey() + "\" exceeds " + MAX_CUSTOM_METADATA_VALUE_LENGTH + " characters");
            }
        }
    }

    public String createdTime;
    public String updatedTime;
    public long currentVersion;
    public long oldestVersion;
    public long maxVersions;
    public boolean casRequired;
    public long deleteVersionAfterSeconds;
    public Map<String, String> customMetadata;
    public TreeMap<Long, VersionMetadata> versions = new TreeMap<>();

    /** One version's lifecycle: soft deletion time (possibly in the future) and destruction. */
    static final class VersionMetadata {
        public String createdTime;
        public String deletionTime;
        public boolean destroyed;
        /** Where this version's data is (absent in entries written before versions got their own key). */
        public String dataKey;

        Map<String, Object> toApi() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("created_time", createdTime);
            m.put("deletion_time", deletionTime == null ? "" : deletionTime);
            m.put("destroyed", destroyed);
            return m;
        }
    }
}
