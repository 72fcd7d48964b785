package io.custos.broker.storage;

import com.github.benmanes.caffeine.cache.Cache;
import io.custos.engine.sdk.NonBlocking;
import jakarta.inject.Singleton;
import java.util.function.Function;

/**
 * Whether what a node holds in memory may be trusted: only while the {@link ChangeFeed} is
 * listening. Before its first LISTEN and after losing its connection, every cache reads through
 * to storage instead of answering from memory.
 */
@Singleton
public class CacheValidity {
    private volatile boolean valid;

    public boolean isValid() {
        return valid;
    }

    /**
     * {@code key}'s value through {@code cache} while it may be trusted (loaded under the key's
     * lock on a miss), else straight from {@code load}. In an attempt to answer on an I/O thread
     * ({@link NonBlocking}) only a hit is answered: a miss ends the attempt before loading, and
     * before waiting on a load another thread has under way for the same key.
     */
    public <K, V> V read(Cache<K, V> cache, K key, Function<? super K, ? extends V> load) {
        if (!valid) {
            return load.apply(key);
        }
        if (NonBlocking.active()) {
            V held = cache.getIfPresent(key);
            if (held != null) {
                return held;
            }
            NonBlocking.check();
        }
        return cache.get(key, load);
    }

    void set(boolean valid) {
        this.valid = valid;
    }
}
