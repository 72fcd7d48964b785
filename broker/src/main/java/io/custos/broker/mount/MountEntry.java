package io.custos.broker.mount;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One row of the mount table: where an engine is mounted, its type, the UUID that names its
 * storage prefix ({@code logical/<uuid>/}), and its tunables. TTLs are seconds, 0 = system default.
 * {@code settings} holds the rest of Vault's mount config that was set ({@link MountSettings}).
 */
public record MountEntry(String path, String type, String uuid, String accessor, String description,
        Map<String, String> options, long defaultLeaseTtl, long maxLeaseTtl, Map<String, Object> settings) {

    public MountEntry {
        options = options == null ? Map.of() : options;
        settings = settings == null ? Map.of() : Map.copyOf(settings);
    }

    public MountEntry(String path, String type, String uuid, String accessor, String description,
            Map<String, String> options, long defaultLeaseTtl, long maxLeaseTtl) {
        this(path, type, uuid, accessor, description, options, defaultLeaseTtl, maxLeaseTtl, Map.of());
    }

    public String storagePrefix() {
        return "logical/" + uuid + "/";
    }

    public MountEntry tuned(String newDescription, long newDefaultTtl, long newMaxTtl, Map<String, String> newOptions,
            Map<String, Object> newSettings) {
        return new MountEntry(path, type, uuid, accessor, newDescription, newOptions, newDefaultTtl, newMaxTtl,
                newSettings);
    }

    /** The same mount at another path (sys/remount): same storage, same accessor. */
    public MountEntry movedTo(String newPath) {
        return new MountEntry(newPath, type, uuid, accessor, description, options, defaultLeaseTtl, maxLeaseTtl,
                settings);
    }

    /** A list-valued setting, empty when unset. */
    @SuppressWarnings("unchecked")
    public List<String> listSetting(String name) {
        Object v = settings.get(name);
        return v instanceof List<?> l ? (List<String>) l : List.of();
    }

    /** A string setting, {@code fallback} when unset. */
    public String setting(String name, String fallback) {
        Object v = settings.get(name);
        return v instanceof String s ? s : fallback;
    }

    /** The shape Vault's sys/mounts (and sys/auth) returns for one mount. */
    public Map<String, Object> toApi(boolean authMethod) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("default_lease_ttl", defaultLeaseTtl);
        config.put("force_no_cache", false);
        config.put("max_lease_ttl", maxLeaseTtl);
        if (authMethod) {
            config.put("token_type", setting(MountSettings.TOKEN_TYPE, "default-service"));
        }
        settings.forEach((k, v) -> {
            if (!k.equals(MountSettings.TOKEN_TYPE)) {
                config.put(k, v);
            }
        });
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
