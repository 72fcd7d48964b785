package io.custos.engine.sdk;

import java.util.List;
import java.util.Optional;

/** A {@link StorageView} scoped below a prefix of another view. */
final class PrefixedStorageView implements StorageView {
    private final StorageView parent;
    private final String prefix;

    PrefixedStorageView(StorageView parent, String prefix) {
        if (!prefix.endsWith("/")) {
            throw new IllegalArgumentException("storage prefix must end with '/'");
        }
        this.parent = parent;
        this.prefix = prefix;
    }

    @Override public Optional<byte[]> get(String key) { return parent.get(prefix + key); }
    @Override public void put(String key, byte[] value) { parent.put(prefix + key, value); }
    @Override public void putRecord(String key, byte[] value) { parent.putRecord(prefix + key, value); }
    @Override public void delete(String key) { parent.delete(prefix + key); }
    @Override public boolean compareAndPut(String key, Optional<byte[]> expected, byte[] value) {
        return parent.compareAndPut(prefix + key, expected, value);
    }
    @Override public List<String> list(String p) { return parent.list(prefix + p); }
    @Override public StorageView sub(String p) { return new PrefixedStorageView(parent, prefix + p); }
}
