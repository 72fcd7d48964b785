package io.custos.broker.storage;

import io.micronaut.data.annotation.Query;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.GenericRepository;
import java.util.List;
import java.util.Optional;

/** SQL over {@code custos_entries}; paths use the "C" collation so prefix ranges are index scans. */
@JdbcRepository(dialect = Dialect.POSTGRES)
public interface EntryRepository extends GenericRepository<StoredEntry, String> {

    Optional<StoredEntry> findById(String path);

    @Query("INSERT INTO custos_entries (path, value, key_term) VALUES (:path, :value, :keyTerm) "
            + "ON CONFLICT (path) DO UPDATE SET value = EXCLUDED.value, key_term = EXCLUDED.key_term")
    void upsert(String path, byte[] value, int keyTerm);

    @Query("DELETE FROM custos_entries WHERE path = :path")
    void deleteByPath(String path);

    @Query("SELECT path FROM custos_entries WHERE path >= :from AND path < :to ORDER BY path")
    List<String> findPathsInRange(String from, String to);

    @Query("SELECT path FROM custos_entries ORDER BY path")
    List<String> findAllPaths();

    @Query("DELETE FROM custos_entries WHERE path >= :from AND path < :to")
    long deleteRange(String from, String to);

    @Query("SELECT path, value, key_term FROM custos_entries WHERE key_term < :term AND path > :after "
            + "ORDER BY path LIMIT :limit")
    List<StoredEntry> findBelowTerm(int term, String after, int limit);

    @Query("INSERT INTO custos_entries (path, value, key_term) VALUES (:path, :value, :keyTerm) "
            + "ON CONFLICT (path) DO NOTHING")
    long insertIfAbsent(String path, byte[] value, int keyTerm);

    @Query("UPDATE custos_entries SET value = :value, key_term = :keyTerm WHERE path = :path AND value = :expected")
    long replaceIfUnchanged(String path, byte[] expected, byte[] value, int keyTerm);

    @Query("SELECT count(*) FROM custos_entries WHERE key_term < :term")
    long countBelowTerm(int term);

    @Query("SELECT count(*) FROM custos_entries")
    long countAll();

    @Query("SELECT count(*) FROM custos_entries WHERE path >= :from AND path < :to")
    long countInRange(String from, String to);
}
