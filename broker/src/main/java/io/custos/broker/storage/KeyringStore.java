package io.custos.broker.storage;

import io.custos.engine.sdk.NonBlocking;
import io.micronaut.data.connection.jdbc.advice.DelegatingDataSource;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.function.IntFunction;
import javax.sql.DataSource;

/**
 * {@code custos_keyring_terms}: the barrier's key terms, one sealed row per term, insert only.
 * Several brokers share one database, so nothing here rewrites a term: a new term is added under a
 * PostgreSQL advisory lock after checking that the highest stored term is the one the caller
 * rotates from, and encryption counts are added as deltas ({@code encryptions = encryptions + ?}),
 * so every node's encryptions count against the same budget.
 */
@Singleton
public class KeyringStore {
    /** The advisory lock key that serialises term insertion across nodes ("custos-keyring"). */
    static final long ROTATION_LOCK = 0x637573746f73_6bL;

    /** One stored term: its sealed value and the encryptions all nodes made under it. */
    public record StoredTerm(int term, byte[] sealed, long encryptions) {
    }

    private final DataSource dataSource;

    public KeyringStore(DataSource dataSource) {
        this.dataSource = DelegatingDataSource.unwrapDataSource(dataSource);
    }

    /** Every stored term, ascending. */
    public List<StoredTerm> loadAll() {
        try (Connection c = open();
                PreparedStatement s = c.prepareStatement(
                        "SELECT term, value, encryptions FROM custos_keyring_terms ORDER BY term");
                ResultSet rs = s.executeQuery()) {
            List<StoredTerm> out = new ArrayList<>();
            while (rs.next()) {
                out.add(new StoredTerm(rs.getInt(1), rs.getBytes(2), rs.getLong(3)));
            }
            return out;
        } catch (SQLException e) {
            throw new StorageException("cannot read the keyring", e);
        }
    }

    /**
     * Inserts each term that is not stored yet (an import or the first term); existing terms are
     * left exactly as they are. Returns how many were inserted.
     */
    public int insertMissing(Map<Integer, byte[]> sealedTerms) {
        try (Connection c = open();
                PreparedStatement s = c.prepareStatement(
                        "INSERT INTO custos_keyring_terms (term, value) VALUES (?, ?) ON CONFLICT (term) DO NOTHING")) {
            int n = 0;
            for (Map.Entry<Integer, byte[]> e : new TreeMap<>(sealedTerms).entrySet()) {
                s.setInt(1, e.getKey());
                s.setBytes(2, e.getValue());
                n += s.executeUpdate();
            }
            return n;
        } catch (SQLException e) {
            throw new StorageException("cannot write the keyring", e);
        }
    }

    /**
     * Adds term {@code highest + 1} under the rotation lock, unless {@code expectedHighest} is set
     * and another node has already moved past it. Returns the new term, or empty when the check
     * failed (the caller reloads instead: someone else rotated).
     */
    public OptionalInt insertNext(OptionalInt expectedHighest, IntFunction<byte[]> sealTerm) {
        try (Connection c = open()) {
            c.setAutoCommit(false);
            try {
                try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
                    lock.setLong(1, ROTATION_LOCK);
                    lock.execute();
                }
                int highest = highest(c);
                if (expectedHighest.isPresent() && expectedHighest.getAsInt() != highest) {
                    c.rollback();
                    return OptionalInt.empty();
                }
                int next = highest + 1;
                try (PreparedStatement s = c.prepareStatement(
                        "INSERT INTO custos_keyring_terms (term, value) VALUES (?, ?)")) {
                    s.setInt(1, next);
                    s.setBytes(2, sealTerm.apply(next));
                    s.executeUpdate();
                }
                c.commit();
                return OptionalInt.of(next);
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new StorageException("cannot add a keyring term", e);
        }
    }

    /** Removes every term: only for an initialisation that replaces an interrupted one. */
    public void deleteAll() {
        try (Connection c = open();
                PreparedStatement s = c.prepareStatement("DELETE FROM custos_keyring_terms")) {
            s.executeUpdate();
        } catch (SQLException e) {
            throw new StorageException("cannot write the keyring", e);
        }
    }

    private static int highest(Connection c) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT coalesce(max(term), 0) FROM custos_keyring_terms");
                ResultSet rs = s.executeQuery()) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /**
     * Adds each term's delta to its stored count atomically and returns every term's total after
     * the addition (terms without a delta included), so a node learns what the others counted.
     */
    public Map<Integer, Long> addEncryptions(Map<Integer, Long> deltas) {
        try (Connection c = open()) {
            if (!deltas.isEmpty()) {
                try (PreparedStatement s = c.prepareStatement(
                        "UPDATE custos_keyring_terms SET encryptions = encryptions + ? WHERE term = ?")) {
                    for (Map.Entry<Integer, Long> e : deltas.entrySet()) {
                        s.setLong(1, e.getValue());
                        s.setInt(2, e.getKey());
                        s.addBatch();
                    }
                    s.executeBatch();
                }
            }
            Map<Integer, Long> totals = new TreeMap<>();
            try (PreparedStatement s = c.prepareStatement("SELECT term, encryptions FROM custos_keyring_terms");
                    ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    totals.put(rs.getInt(1), rs.getLong(2));
                }
            }
            return totals;
        } catch (SQLException e) {
            throw new StorageException("cannot count keyring encryptions", e);
        }
    }

    /** A pooled connection; never on an I/O thread's attempt to answer from memory ({@link NonBlocking}). */
    private Connection open() throws SQLException {
        NonBlocking.check();
        return dataSource.getConnection();
    }
}
