package io.custos.broker.storage;

import jakarta.inject.Singleton;

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

    void set(boolean valid) {
        this.valid = valid;
    }
}
