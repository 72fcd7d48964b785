package io.custos.engine.sdk;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListMap;

/** A {@link StorageView} in memory, for engine tests that need no database. */
public final class InMemoryStorage implements StorageView {
    private final ConcurrentSkipListMap<String, byte[]> entries = new ConcurrentSkipListMap<>();

    @Override
    public Optional<byte[]> get(String key) {
        return Optional.ofNullable(entries.get(key)).map(byte[]::clone);
    }

    @Override
    public void put(String key, byte[] value) {
        entries.put(key, value.clone());
    }

    @Override
    public synchronized boolean compareAndPut(String key, Optional<byte[]> expected, byte[] value) {
        byte[] current = entries.get(key);
        boolean matches = expected.isEmpty() ? current == null : current != null && Arrays.equals(current, expected.get());
        if (matches) {
            entries.put(key, value.clone());
        }
        return matches;
    }

    @Override
    public void delete(String key) {
        entries.remove(key);
    }

    @Override
    public List<String> list(String prefix) {
        return StorageListing.children(prefix, entries.subMap(prefix, prefix + Character.MAX_VALUE).keySet());
    }

    public int size() {
        return entries.size();
    }

    public Set<String> keys() {
        return entries.keySet();
    }
}
