package io.custos.broker.storage;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The physical key → ciphertext store under the barrier. It never sees plaintext: values are
 * barrier ciphertext, and the core records are sealed by the seal or the root key.
 */
public interface PhysicalStorage {

    Optional<PhysicalEntry> get(String path);

    /** As {@link #get}, but from PostgreSQL itself, never a cache (what another broker wrote a moment ago). */
    default Optional<PhysicalEntry> getFresh(String path) {
        return get(path);
    }

    void put(String path, byte[] value, int keyTerm);

    /**
     * A put of a new record that may be committed together with other requests' records: the
     * future completes once it is committed (and fails if it could not be). Synchronous by default.
     */
    default CompletableFuture<Void> putLater(String path, byte[] value, int keyTerm) {
        put(path, value, keyTerm);
        return CompletableFuture.completedFuture(null);
    }

    void delete(String path);

    /** Every path starting with {@code prefix}, ascending. */
    List<String> pathsWithPrefix(String prefix);

    /** Deletes every path starting with {@code prefix} (which must be non-empty); returns the count. */
    long deletePrefix(String prefix);

    /** Up to {@code limit} entries whose data key is wrapped under a term older than {@code term}, after {@code afterPath}. */
    List<PhysicalEntry> entriesBelowTerm(int term, String afterPath, int limit);

    /** Writes a value only if the path holds none; false if a concurrent write won. */
    boolean insertIfAbsent(String path, byte[] value, int keyTerm);

    /** Replaces a value only if it is still {@code expected}; false if a concurrent write won. */
    boolean replaceIfUnchanged(String path, byte[] expected, byte[] value, int keyTerm);

    long countBelowTerm(int term);

    long count();

    /** Entries whose path starts with {@code prefix} (an index range scan). */
    long countWithPrefix(String prefix);

    /** Writes two core records atomically (a rekey's wrapped key and its share configuration). */
    void putCores(String name1, byte[] value1, String name2, byte[] value2);

    Optional<byte[]> getCore(String name);

    void putCore(String name, byte[] value);

    /** Forgets anything held in memory (called on seal). */
    default void dropCaches() {
    }
}
