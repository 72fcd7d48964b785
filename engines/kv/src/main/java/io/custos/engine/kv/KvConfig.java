package io.custos.engine.kv;

/** A KV v2 mount's {@code config}: defaults for every key on the mount. */
final class KvConfig {
    /** Vault's default when neither the mount nor the key sets {@code max_versions}. */
    static final long DEFAULT_MAX_VERSIONS = 10;

    public long maxVersions;
    public boolean casRequired;
    public long deleteVersionAfterSeconds;
}
