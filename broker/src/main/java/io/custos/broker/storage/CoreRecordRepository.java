package io.custos.broker.storage;

import io.micronaut.data.annotation.Query;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.GenericRepository;
import java.util.Optional;

/** SQL over {@code custos_core}. */
@JdbcRepository(dialect = Dialect.POSTGRES)
public interface CoreRecordRepository extends GenericRepository<CoreRecord, String> {

    Optional<CoreRecord> findById(String name);

    @Query("INSERT INTO custos_core (name, value) VALUES (:name, :value) "
            + "ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value")
    void upsert(String name, byte[] value);

    /** Two records in one statement: both are written or neither. */
    @Query("INSERT INTO custos_core (name, value) VALUES (:name1, :value1), (:name2, :value2) "
            + "ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value")
    void upsertBoth(String name1, byte[] value1, String name2, byte[] value2);
}
