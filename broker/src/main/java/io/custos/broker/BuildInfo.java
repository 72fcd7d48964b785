package io.custos.broker;

/**
 * Versions reported by sys/health and sys/seal-status: the Vault API level Custos implements as the
 * semantic version (clients such as Terraform's Vault provider gate features on it), with Custos's
 * own version as build metadata and in a field of its own.
 */
public final class BuildInfo {
    /** The Vault release whose HTTP API Custos answers as. */
    public static final String VAULT_API_VERSION = "1.19.0";
    /** Custos's own version. */
    public static final String CUSTOS_VERSION = "0.1.0";
    /** What {@code version} fields report, e.g. {@code 1.19.0+custos.0.1.0}. */
    public static final String VERSION = VAULT_API_VERSION + "+custos." + CUSTOS_VERSION;

    private BuildInfo() {
    }
}
