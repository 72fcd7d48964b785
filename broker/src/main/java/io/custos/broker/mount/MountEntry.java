package io.custos.broker.mount;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One row of the mount table: where an engine is mounted, its type, the UUID that names its
 * storage prefix ({@code logical/<uuid>/}), and its tunables. TTLs are seconds, 0 = system default.
 */
public record MountEntry(String path, String type, String uuid, String accessor, String description,
        Map<String, String> options, long defaultLeaseTtl, long maxLeaseTtl) {

    public String storagePrefix() {
        return "logical/" + uuid + "/";
    }

    public MountEntry tuned(String newDescription, long newDefaultTtl, long newMaxTtl, Map<String, String> newOptions) {
        return new MountEntry(path, type, uuid, accessor, newDescription, newOptions, newDefaultTtl, newMaxTtl);
    }

    /** The shape Vault's sys/mounts returns for one mount. */
    public Map<String, Object> toApi() {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("default_lease_ttl", defaultLeaseTtl);
        config.put("force_no_cache", false);
        config.put("max_lease_ttl", maxLeaseTtl);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("accessor", accessor);
        m.put("config", config);
        m.put("description", description);
        m.put("external_entropy_access", false);
        m.put("local", false);
        m.put("options", options.isEmpty() ? null : options);
        m.put("plugin_version", "");
        m.put("running_plugin_version", "");
        m.put("running_sha256", "");
        m.put("seal_wrap", false);
        m.put("type", type);
        m.put("uuid", uuid);
        return m;
    }
}
