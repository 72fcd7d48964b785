package io.custos.broker.storage;

import io.micronaut.data.connection.jdbc.advice.DelegatingDataSource;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * Work that one broker node at a time should do (periodic functions, token sweeps): the work runs
 * while this node holds a transaction-scoped PostgreSQL advisory lock, and a node that cannot take
 * it at once skips the turn. The lock goes with the connection, so a node that dies releases it.
 */
@Singleton
public class ClusterLock {
    private final DataSource dataSource;

    public ClusterLock(DataSource dataSource) {
        this.dataSource = DelegatingDataSource.unwrapDataSource(dataSource);
    }

    /** Runs {@code work} if no other node holds {@code key}; returns whether it ran. */
    public boolean runIfFree(long key, Runnable work) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                try (PreparedStatement s = c.prepareStatement("SELECT pg_try_advisory_xact_lock(?)")) {
                    s.setLong(1, key);
                    try (ResultSet rs = s.executeQuery()) {
                        if (!rs.next() || !rs.getBoolean(1)) {
                            return false;
                        }
                    }
                }
                work.run();
                return true;
            } finally {
                c.rollback(); // ends the transaction and so releases the lock
            }
        } catch (SQLException e) {
            throw new StorageException("cannot take the cluster lock", e);
        }
    }
}
