package io.custos.broker.mount;

import io.custos.engine.sdk.Backend;

/**
 * A mount the broker itself serves, present whether or not anything is mounted: {@code sys/},
 * {@code sys/wrapping/}, {@code auth/token/}, {@code cubbyhole/}. It sits in the router's table
 * beside the engines mounted at run time and declares its paths the same way, flags included.
 */
public interface BuiltinBackend extends Backend {

    /** The mount path, ending in '/'. */
    String mountPath();

    /** The mount type reported in responses ({@code system}, {@code token}, {@code cubbyhole}). */
    String mountType();

    /** Whether this mount serves {@code path} (the full request path). */
    default boolean serves(String path) {
        return path.startsWith(mountPath());
    }
}
