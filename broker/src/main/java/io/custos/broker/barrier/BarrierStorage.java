package io.custos.broker.barrier;

import io.custos.broker.storage.PhysicalEntry;
import io.custos.broker.storage.PhysicalStorage;
import io.custos.engine.sdk.EngineException;
import io.custos.engine.sdk.NonBlocking;
import io.custos.engine.sdk.StorageListing;
import io.custos.engine.sdk.StorageView;
import jakarta.inject.Singleton;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/**
 * The plaintext view of physical storage: every put is encrypted by the barrier and bound to its
 * full physical path, every get decrypted and verified. Engines receive a {@link #sub} of this
 * scoped to {@code logical/<mount-uuid>/}, so they can neither see the database nor other mounts.
 */
@Singleton
public class BarrierStorage implements StorageView {
    private final PhysicalStorage physical;
    private final AesGcmBarrier barrier;

    public BarrierStorage(PhysicalStorage physical, AesGcmBarrier barrier) {
        this.physical = physical;
        this.barrier = barrier;
    }

    @Override
    public Optional<byte[]> get(String key) {
        requireUnsealed();
        if (hasNul(key)) {
            return Optional.empty(); // nothing can be stored under it (below)
        }
        return physical.get(key).map(e -> decrypt(key, e.value()));
    }

    /** As {@link #get}, read from PostgreSQL itself (a key ceremony's state, which any broker may have moved on). */
    public Optional<byte[]> getFresh(String key) {
        requireUnsealed();
        if (hasNul(key)) {
            return Optional.empty();
        }
        return physical.getFresh(key).map(e -> decrypt(key, e.value()));
    }

    /** The plaintext of an entry; an integrity failure names the entry. */
    private byte[] decrypt(String key, byte[] blob) {
        try {
            return barrier.decrypt(key, blob);
        } catch (IntegrityException ex) {
            throw new IntegrityException("entry " + key + ": " + ex.getMessage());
        }
    }

    private static void requireNoNul(String key) {
        if (hasNul(key)) {
            throw EngineException.badRequest("names and paths cannot contain a NUL character");
        }
    }

    @Override
    public void put(String key, byte[] value) {
        requireNoNul(key);
        byte[] blob = barrier.encrypt(key, value);
        physical.put(key, blob, AesGcmBarrier.termOf(blob));
    }

    /**
     * Encrypted now; written with other requests' records ({@link PhysicalStorage#putLater}): at
     * once on a worker, which waits for the commit; after an I/O thread's attempt is answered, whose
     * answer then waits for it ({@link NonBlocking#defer}).
     */
    @Override
    public void putRecord(String key, byte[] value) {
        requireNoNul(key);
        byte[] blob = barrier.encrypt(key, value);
        int term = AesGcmBarrier.termOf(blob);
        Supplier<CompletableFuture<Void>> write = () -> physical.putLater(key, blob, term);
        if (!NonBlocking.defer(write)) {
            awaitCommit(write.get());
        }
    }

    private static void awaitCommit(CompletableFuture<Void> committed) {
        try {
            committed.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    /**
     * Compare-and-put on ciphertext: the current entry is read and decrypted, compared with
     * {@code expected}, and replaced only if the row still holds that very ciphertext (or, for an
     * absent key, inserted only if no row appeared) — PostgreSQL decides, so it holds across brokers.
     */
    @Override
    public boolean compareAndPut(String key, Optional<byte[]> expected, byte[] value) {
        requireUnsealed();
        requireNoNul(key);
        Optional<PhysicalEntry> current = physical.get(key);
        if (current.isEmpty() != expected.isEmpty()
                || (current.isPresent() && !Arrays.equals(decrypt(key, current.get().value()), expected.get()))) {
            return false; // decided before encrypting anything
        }
        byte[] blob = barrier.encrypt(key, value);
        return current.isEmpty() ? physical.insertIfAbsent(key, blob, AesGcmBarrier.termOf(blob))
                : physical.replaceIfUnchanged(key, current.get().value(), blob, AesGcmBarrier.termOf(blob));
    }

    @Override
    public void delete(String key) {
        requireUnsealed();
        if (!hasNul(key)) {
            physical.delete(key);
        }
    }

    @Override
    public List<String> list(String prefix) {
        requireUnsealed();
        return hasNul(prefix) ? List.of() : StorageListing.children(prefix, physical.pathsWithPrefix(prefix));
    }

    /** How many entries lie below a prefix (counted in PostgreSQL: every broker's). */
    public long count(String prefix) {
        requireUnsealed();
        return hasNul(prefix) ? 0 : physical.countWithPrefix(prefix);
    }

    /** Removes everything below a prefix (a disabled mount's data). */
    public long deletePrefix(String prefix) {
        requireUnsealed();
        return hasNul(prefix) ? 0 : physical.deletePrefix(prefix);
    }

    /**
     * PostgreSQL text cannot hold NUL, and a key with one would otherwise reach the database as an
     * error (a 503). Such a key names nothing: reads find nothing, writes are a 400.
     */
    private static boolean hasNul(String key) {
        return key.indexOf('\0') >= 0;
    }

    private void requireUnsealed() {
        if (barrier.isSealed()) {
            throw new SealedException();
        }
    }
}
