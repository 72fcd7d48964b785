package io.custos.engine.sdk;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * What an engine decoded from its storage (a role, an issuer, a configuration), kept so a hot
 * path neither decrypts nor parses it again. Correct across brokers: a value is kept only while
 * {@link SystemView#cachesValid()} holds, the engine's {@link Backend#invalidate} drops it when
 * any broker changes the entry, writes through {@link #view} drop it at once on this node, and a
 * value read while an invalidation raced with the read is not kept (a generation counter).
 */
public final class DecodedCache {
    private final StorageView storage;
    private final SystemView system;
    private final Map<String, Optional<Object>> values = new ConcurrentHashMap<>();
    private final AtomicLong generation = new AtomicLong();
    private final int maxEntries;

    public DecodedCache(StorageView storage, SystemView system, int maxEntries) {
        this.storage = storage;
        this.system = system;
        this.maxEntries = maxEntries;
    }

    /** The entry at {@code key} decoded, from memory when it may be trusted; empty when there is none. */
    @SuppressWarnings("unchecked")
    public <T> Optional<T> get(String key, Function<byte[], T> decode) {
        boolean trusted = system.cachesValid();
        if (trusted) {
            Optional<Object> held = values.get(key);
            if (held != null) {
                return (Optional<T>) held;
            }
        }
        long before = generation.get();
        Optional<T> read = storage.get(key).map(decode);
        if (trusted && generation.get() == before && values.size() < maxEntries) {
            Optional<Object> kept = (Optional<Object>) read;
            values.putIfAbsent(key, kept);
            if (generation.get() != before) {
                values.remove(key, kept); // an invalidation came between the check and the put: not kept
            }
        }
        return read;
    }

    /** An entry changed ({@code ""}: everything may have; a key ending in '/' : everything below it). */
    public void invalidate(String key) {
        generation.incrementAndGet();
        if (key.isEmpty()) {
            values.clear();
        } else if (key.endsWith("/")) {
            values.keySet().removeIf(k -> k.startsWith(key));
        } else {
            values.remove(key);
        }
    }

    /** The storage, with every write or delete through it dropping the entry here before it returns. */
    public StorageView view() {
        return new StorageView() {
            @Override
            public Optional<byte[]> get(String key) {
                return storage.get(key);
            }

            @Override
            public void put(String key, byte[] value) {
                try {
                    storage.put(key, value);
                } finally {
                    invalidate(key);
                }
            }

            @Override
            public void putRecord(String key, byte[] value) {
                try {
                    storage.putRecord(key, value);
                } finally {
                    invalidate(key); // and again when the change feed hears of the commit
                }
            }

            @Override
            public boolean compareAndPut(String key, Optional<byte[]> expected, byte[] value) {
                try {
                    return storage.compareAndPut(key, expected, value);
                } finally {
                    invalidate(key);
                }
            }

            @Override
            public void delete(String key) {
                try {
                    storage.delete(key);
                } finally {
                    invalidate(key);
                }
            }

            @Override
            public List<String> list(String prefix) {
                return storage.list(prefix);
            }

        };
    }
}
