package io.custos.broker;

/** The version reported by sys/health and sys/seal-status. */
public final class BuildInfo {
    public static final String VERSION = "0.1.0";

    private BuildInfo() {
    }
}
