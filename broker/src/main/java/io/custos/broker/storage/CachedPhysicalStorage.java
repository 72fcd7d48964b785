package io.custos.broker.storage;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.stats.CacheStats;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * A write-through cache of stored entries (still ciphertext: the barrier decrypts every read) in
 * front of PostgreSQL, bounded by bytes, remembering absent paths too. A miss loads inside the
 * cache's per-key compute, and every write updates the cache after the database, so a load that
 * read an older row can never overwrite a newer write. Listing and counting always go to the
 * database. Several brokers may share the database: every committed change, from any of them,
 * arrives through the {@link ChangeFeed} and drops the path here; while the feed is not listening
 * ({@link CacheValidity}), reads go to the database and nothing is kept.
 */
public final class CachedPhysicalStorage implements PhysicalStorage, ChangeListener {
    private static final int ENTRY_OVERHEAD = 96;
    private final PhysicalStorage db;
    private final Cache<String, Optional<PhysicalEntry>> cache;
    private final CacheValidity validity;
    /** Prefix drops so far (a sweep of present keys misses loads in flight; {@link #get} checks this). */
    private final AtomicLong prefixDrops = new AtomicLong();

    public CachedPhysicalStorage(PhysicalStorage db, long maxBytes, CacheValidity validity) {
        this.db = db;
        this.validity = validity;
        this.cache = Caffeine.newBuilder()
                .maximumWeight(maxBytes)
                .<String, Optional<PhysicalEntry>>weigher((k, v) -> ENTRY_OVERHEAD + 2 * k.length()
                        + v.map(e -> e.value().length).orElse(0))
                .recordStats()
                .build();
    }

    @Override
    public Optional<PhysicalEntry> get(String path) {
        long drops = prefixDrops.get();
        Optional<PhysicalEntry> read = validity.read(cache, path, db::get);
        if (prefixDrops.get() != drops) {
            // a prefix was dropped while this read was under way: a key whose load was in flight is
            // not among the keys the drop saw, so what it read before the change is not kept
            cache.asMap().remove(path, read);
        }
        return read;
    }

    @Override
    public Optional<PhysicalEntry> getFresh(String path) {
        cache.invalidate(path); // a later read loads what PostgreSQL holds now
        return db.get(path);
    }

    /** Reads answered from memory and reads that went to PostgreSQL, since start (for sys/metrics). */
    public CacheStats stats() {
        return cache.stats();
    }

    @Override
    public void changed(String path, boolean below) {
        if (below) {
            prefixDrops.incrementAndGet(); // before the sweep: a load it cannot see checks this after
            cache.asMap().keySet().removeIf(k -> k.startsWith(path));
        } else {
            cache.invalidate(path);
        }
    }

    @Override
    public void resynchronise() {
        cache.invalidateAll();
    }

    @Override
    public void put(String path, byte[] value, int keyTerm) {
        writeThrough(path, () -> db.put(path, value, keyTerm), Optional.of(new PhysicalEntry(path, value, keyTerm)));
    }

    /**
     * Forgets the path once the record is committed (or failed): a read after that loads it, and
     * the absence of the path, remembered by a read before, is not answered again.
     */
    @Override
    public CompletableFuture<Void> putLater(String path, byte[] value, int keyTerm) {
        return db.putLater(path, value, keyTerm).whenComplete((done, failed) -> cache.invalidate(path));
    }

    /**
     * Deletes and forgets the path (rather than remembering its absence): deleted paths are mostly
     * never asked for again (expired tokens, revoked leases), and remembering each would fill the
     * cache with them. A later read that finds nothing caches the absence then.
     */
    @Override
    public void delete(String path) {
        writeThrough(path, () -> db.delete(path), null);
    }

    @Override
    public boolean insertIfAbsent(String path, byte[] value, int keyTerm) {
        return conditionally(path, value, keyTerm, () -> db.insertIfAbsent(path, value, keyTerm));
    }

    @Override
    public boolean replaceIfUnchanged(String path, byte[] expected, byte[] value, int keyTerm) {
        return conditionally(path, value, keyTerm, () -> db.replaceIfUnchanged(path, expected, value, keyTerm));
    }

    /**
     * A conditional write, decided by the database under the key's cache lock: when it wins, the cache
     * holds the new value; when it loses (or fails), the key is forgotten — what is there now is
     * someone else's, and not known here.
     */
    private boolean conditionally(String path, byte[] value, int keyTerm, BooleanSupplier write) {
        boolean[] written = new boolean[1];
        cache.asMap().compute(path, (k, old) -> {
            try {
                written[0] = write.getAsBoolean();
            } catch (RuntimeException e) {
                return null;
            }
            return written[0] && validity.isValid() ? Optional.of(new PhysicalEntry(path, value, keyTerm)) : null;
        });
        return written[0];
    }

    /** Writes the database and then the cache under the key's lock ({@code after} null: forgotten); on failure the key is forgotten. */
    private void writeThrough(String path, Runnable write, Optional<PhysicalEntry> after) {
        RuntimeException[] failure = new RuntimeException[1];
        cache.asMap().compute(path, (k, old) -> {
            try {
                write.run();
                return validity.isValid() ? after : null;
            } catch (RuntimeException e) {
                failure[0] = e;
                return null;
            }
        });
        if (failure[0] != null) {
            throw failure[0];
        }
    }

    @Override
    public long deletePrefix(String prefix) {
        try {
            return db.deletePrefix(prefix);
        } finally {
            prefixDrops.incrementAndGet();
            cache.asMap().keySet().removeIf(k -> k.startsWith(prefix));
        }
    }

    @Override
    public List<String> pathsWithPrefix(String prefix) {
        return db.pathsWithPrefix(prefix);
    }

    @Override
    public List<PhysicalEntry> entriesBelowTerm(int term, String afterPath, int limit) {
        return db.entriesBelowTerm(term, afterPath, limit);
    }

    @Override
    public long countBelowTerm(int term) {
        return db.countBelowTerm(term);
    }

    @Override
    public long count() {
        return db.count();
    }

    @Override
    public long countWithPrefix(String prefix) {
        return db.countWithPrefix(prefix);
    }

    @Override
    public void putCores(String name1, byte[] value1, String name2, byte[] value2) {
        db.putCores(name1, value1, name2, value2);
    }

    @Override
    public Optional<byte[]> getCore(String name) {
        return db.getCore(name);
    }

    @Override
    public void putCore(String name, byte[] value) {
        db.putCore(name, value);
    }

    /** Drops everything (on seal: nothing read while unsealed outlives it). */
    @Override
    public void dropCaches() {
        cache.invalidateAll();
    }
}
