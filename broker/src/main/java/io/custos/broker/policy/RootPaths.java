package io.custos.broker.policy;

import java.util.List;

/** Paths that need {@code sudo} on top of the operation's capability, as in Vault. */
public final class RootPaths {
    private static final List<String> EXACT = List.of("sys/seal", "sys/rotate", "sys/step-down", "sys/raw",
            "sys/audit", "auth/token/revoke-orphan", "auth/token/create-orphan", "auth/token/accessors",
            "auth/token/accessors/");
    private static final List<String> PREFIXES = List.of("sys/rotate/", "sys/raw/", "sys/audit/",
            "sys/leases/revoke-force/", "sys/leases/revoke-prefix/",
            "sys/leases/lookup/", "sys/revoke-force/", "sys/revoke-prefix/", "auth/token/revoke-orphan/");

    private RootPaths() {
    }

    public static boolean needsSudo(String path) {
        return EXACT.contains(path) || PREFIXES.stream().anyMatch(path::startsWith);
    }
}
