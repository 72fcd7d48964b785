package io.custos.engine.sdk;

import java.util.List;
import java.util.Optional;

/**
 * The only storage an engine sees: plaintext bytes by key, scoped to its mount. The broker
 * implements it above the encrypting barrier, so every value put here is stored encrypted
 * and bound to its full physical path.
 */
public interface StorageView {

    Optional<byte[]> get(String key);

    void put(String key, byte[] value);

    /**
     * Writes a new record under a key nothing else in this request reads (an issued certificate
     * under its serial): as {@link #put}, except that the broker may commit it together with other
     * requests' records, and, for a request answered on an I/O thread ({@link NonBlocking}), after
     * the handler returns — always before the request's answer is sent; a failure to commit it fails
     * the request. Until committed, reads do not see it.
     */
    default void putRecord(String key, byte[] value) {
        put(key, value);
    }

    /** Deletes the key; deleting a missing key is not an error. */
    void delete(String key);

    /**
     * Writes {@code value} only if {@code key} still holds {@code expected} (empty: only if there is
     * nothing under it) — atomically for every broker on the database, not just this one. False when
     * another write came first: read again and decide again.
     */
    boolean compareAndPut(String key, Optional<byte[]> expected, byte[] value);

    /**
     * Immediate children of {@code prefix} (which is empty or ends with '/'), sorted:
     * leaf names as-is, sub-folders with a trailing '/', as Vault's storage lists them.
     */
    List<String> list(String prefix);

    /** A view whose keys are all below {@code prefix} (which must end with '/'). */
    default StorageView sub(String prefix) {
        return new PrefixedStorageView(this, prefix);
    }
}
