package io.custos.engine.kv;

import io.custos.engine.kv.KeyMetadata.VersionMetadata;
import io.custos.engine.sdk.EngineException;
import io.custos.engine.sdk.Json;
import io.custos.engine.sdk.StorageView;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * One attempt at a write to one key's metadata, and the loop that retries it: the work reads
 * {@link #meta}, changes it and calls {@link #save}; the commit is a compare-and-put of the
 * metadata read at the start, so one writer wins across every broker. Version data is written
 * under keys only this attempt uses and removed if it loses.
 */
final class MetadataTx {
    /** Commits lost to concurrent writers before a write gives up (503): contention, not a state. */
    static final int MAX_ATTEMPTS = 64;

    private static final SecureRandom RANDOM = new SecureRandom();

    private final StorageView storage;
    final String path;
    final Optional<byte[]> read;
    final KeyMetadata meta;
    private byte[] saved;
    private final List<String> written = new ArrayList<>();
    private final List<String> deleteAfter = new ArrayList<>();

    private MetadataTx(StorageView storage, String path, Optional<byte[]> read) {
        this.storage = storage;
        this.path = path;
        this.read = read;
        this.meta = read.map(b -> Json.read(b, KeyMetadata.class)).orElse(null);
    }

    void save(KeyMetadata m) {
        saved = Json.write(m);
    }

    /** Writes a new version's data under a key only this attempt uses; removed if the attempt loses. */
    void write(String key, byte[] value) {
        storage.put(key, value);
        written.add(key);
    }

    void deleteAfterCommit(String key) {
        deleteAfter.add(key);
    }

    boolean commit() {
        if (saved != null && !storage.compareAndPut("metadata/" + path, read, saved)) {
            return false;
        }
        deleteAfter.forEach(storage::delete);
        return true;
    }

    void abandon() {
        written.forEach(storage::delete);
    }

    /**
     * A write to one key's metadata: {@code work} reads {@link #meta}, changes it and calls
     * {@link #save}; the commit is a compare-and-put of the metadata read at the start. When another
     * writer (on this broker or another) committed first, what this attempt claimed is removed and the
     * work runs again on what is there now — a check-and-set then compares with the new version.
     */
    static <T> T transact(StorageView storage, String path, Function<MetadataTx, T> work) {
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            MetadataTx tx = new MetadataTx(storage, path, storage.get("metadata/" + path));
            T result = work.apply(tx);
            if (tx.commit()) {
                return result;
            }
            tx.abandon();
        }
        throw new EngineException(503, "too many concurrent writes to " + path + "; try again");
    }

    static String randomSuffix() {
        byte[] b = new byte[8];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    static String dataKey(String path, long version, VersionMetadata vm) {
        return vm != null && vm.dataKey != null ? vm.dataKey : versionKey(path, version);
    }

    static String versionKey(String path, long version) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(path.getBytes(StandardCharsets.UTF_8));
            return "versions/" + HexFormat.of().formatHex(h) + "/" + version;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
