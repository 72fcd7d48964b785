package io.custos.broker.storage;

import io.custos.engine.sdk.NonBlocking;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** {@link PhysicalStorage} on PostgreSQL through Micronaut Data JDBC and HikariCP. */
@Singleton
public class PostgresPhysicalStorage implements PhysicalStorage {
    private final EntryRepository entries;
    private final CoreRecordRepository core;
    private final GroupCommit group;

    public PostgresPhysicalStorage(EntryRepository entries, CoreRecordRepository core, GroupCommit group) {
        this.entries = entries;
        this.core = core;
        this.group = group;
    }

    @Override
    public Optional<PhysicalEntry> get(String path) {
        NonBlocking.check();
        return entries.findById(path).map(e -> new PhysicalEntry(e.path(), e.value(), e.keyTerm()));
    }

    @Override
    public void put(String path, byte[] value, int keyTerm) {
        NonBlocking.check();
        entries.upsert(path, value, keyTerm);
    }

    @Override
    public CompletableFuture<Void> putLater(String path, byte[] value, int keyTerm) {
        NonBlocking.check();
        return group.put(path, value, keyTerm);
    }

    @Override
    public void delete(String path) {
        NonBlocking.check();
        entries.deleteByPath(path);
    }

    @Override
    public List<String> pathsWithPrefix(String prefix) {
        NonBlocking.check();
        return prefix.isEmpty() ? entries.findAllPaths() : entries.findPathsInRange(prefix, upperBound(prefix));
    }

    @Override
    public long deletePrefix(String prefix) {
        NonBlocking.check();
        if (prefix.isEmpty()) {
            throw new IllegalArgumentException("refusing to delete every entry");
        }
        return entries.deleteRange(prefix, upperBound(prefix));
    }

    @Override
    public List<PhysicalEntry> entriesBelowTerm(int term, String afterPath, int limit) {
        NonBlocking.check();
        return entries.findBelowTerm(term, afterPath, limit).stream()
                .map(e -> new PhysicalEntry(e.path(), e.value(), e.keyTerm())).toList();
    }

    @Override
    public boolean insertIfAbsent(String path, byte[] value, int keyTerm) {
        NonBlocking.check();
        return entries.insertIfAbsent(path, value, keyTerm) == 1;
    }

    @Override
    public boolean replaceIfUnchanged(String path, byte[] expected, byte[] value, int keyTerm) {
        NonBlocking.check();
        return entries.replaceIfUnchanged(path, expected, value, keyTerm) == 1;
    }

    @Override
    public long countBelowTerm(int term) {
        NonBlocking.check();
        return entries.countBelowTerm(term);
    }

    @Override
    public long count() {
        NonBlocking.check();
        return entries.countAll();
    }

    @Override
    public long countWithPrefix(String prefix) {
        NonBlocking.check();
        return prefix.isEmpty() ? entries.countAll() : entries.countInRange(prefix, upperBound(prefix));
    }

    @Override
    public void putCores(String name1, byte[] value1, String name2, byte[] value2) {
        NonBlocking.check();
        core.upsertBoth(name1, value1, name2, value2);
    }

    @Override
    public Optional<byte[]> getCore(String name) {
        NonBlocking.check();
        return core.findById(name).map(CoreRecord::value);
    }

    @Override
    public void putCore(String name, byte[] value) {
        NonBlocking.check();
        core.upsert(name, value);
    }

    /** The smallest string greater than every string starting with {@code prefix}, in "C" collation. */
    static String upperBound(String prefix) {
        int last = prefix.length() - 1;
        return prefix.substring(0, last) + (char) (prefix.charAt(last) + 1);
    }
}
