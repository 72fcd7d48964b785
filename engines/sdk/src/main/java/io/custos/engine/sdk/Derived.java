package io.custos.engine.sdk;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * One value an engine builds from its stored configuration (a verifier from keys, a JWKS client)
 * and rebuilds after any broker changes that configuration ({@link Backend#invalidate} calls
 * {@link #invalidate}). Correct across brokers in the way {@link DecodedCache} is: a value is answered
 * only while {@link SystemView#cachesValid()} holds, and a value whose build raced with an
 * invalidation serves the call that built it but is never answered again — each build is stamped
 * with the generation it started at, and a held value counts only while no invalidation has come
 * since. (Clearing a field on invalidation instead loses the race: a build that read the old
 * configuration just before the change would be stored just after it, and kept.)
 */
public final class Derived<T> {
    private record Held<T>(long generation, T value) {
    }

    private final SystemView system;
    private final AtomicLong generation = new AtomicLong();
    private volatile Held<T> held;

    public Derived(SystemView system) {
        this.system = system;
    }

    /** The value held, when no invalidation has come since it was built; else {@code build}'s. */
    public T get(Supplier<? extends T> build) {
        boolean trusted = system.cachesValid();
        long started = generation.get();
        Held<T> h = held;
        if (trusted && h != null && h.generation == started) {
            return h.value;
        }
        T built = build.get();
        // stale at once if an invalidation came during the build; one built while untrusted is
        // stale too by the time it may be answered (the feed's return invalidates everything)
        held = new Held<>(started, built);
        return built;
    }

    /** The configuration changed (on this broker or another): the next {@link #get} builds anew. */
    public void invalidate() {
        generation.incrementAndGet();
        held = null;
    }
}
