package io.custos.engine.sdk;

import java.util.Locale;

/** The logical operations a path can serve; the broker maps HTTP methods onto them as Vault does. */
public enum Operation {
    READ, CREATE, UPDATE, PATCH, DELETE, LIST;

    /** Vault's capability name for this operation, as policies spell it. */
    public String capability() {
        return name().toLowerCase(Locale.ROOT);
    }
}
