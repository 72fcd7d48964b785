package io.custos.engine.sdk;

import java.util.List;

/**
 * Who is calling, as far as an engine needs to know (Vault's {@code ClientTokenAccessor},
 * {@code DisplayName}, policies). The broker's own backends use a richer implementation.
 */
public interface Caller {

    /** The calling token's accessor (never the token itself). */
    String accessor();

    /** Vault's {@code DisplayName}, e.g. {@code token} or {@code approle-web}; used by username templates. */
    String displayName();

    /** The token's policies. */
    List<String> policies();
}
