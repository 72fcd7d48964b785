package io.custos.broker.lease;

import io.custos.engine.sdk.NonBlocking;
import io.micronaut.data.connection.jdbc.advice.DelegatingDataSource;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * {@code custos_leases} through plain JDBC, because the lease manager's guarantees are about
 * transactions and row locks: a caller that {@linkplain #lock locks} a row holds it (and its
 * connection) until it commits or rolls back, so two nodes never act on one lease at once.
 */
@Singleton
public class LeaseStore {
    private static final String COLUMNS = "lease_id, path, token_accessor, issue_time, expire_time, max_expire_time,"
            + " last_renewal, ttl_seconds, renewable, state, attempts, last_error, due_time, data, key_term";

    private final DataSource dataSource;

    public LeaseStore(DataSource dataSource) {
        this.dataSource = DelegatingDataSource.unwrapDataSource(dataSource);
    }

    /** A connection in a transaction of its own (auto-commit off). */
    Connection begin() {
        try {
            Connection c = open();
            c.setAutoCommit(false);
            return c;
        } catch (SQLException e) {
            throw new LeaseStorageException("cannot reach lease storage", e);
        }
    }

    /** Inserts on {@code c} (committed at once if {@code c} auto-commits). */
    static void insert(Connection c, LeaseRow r) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("INSERT INTO custos_leases (" + COLUMNS
                        + ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")) {
            s.setString(1, r.id());
            s.setString(2, r.path());
            s.setString(3, r.tokenAccessor());
            s.setTimestamp(4, ts(r.issueTime()));
            s.setTimestamp(5, ts(r.expireTime()));
            s.setTimestamp(6, ts(r.maxExpireTime()));
            s.setTimestamp(7, ts(r.lastRenewal()));
            s.setLong(8, r.ttlSeconds());
            s.setBoolean(9, r.renewable());
            s.setInt(10, r.state());
            s.setInt(11, r.attempts());
            s.setString(12, r.lastError());
            s.setTimestamp(13, ts(r.dueTime()));
            s.setBytes(14, r.data());
            s.setInt(15, r.keyTerm());
            s.executeUpdate();
        }
    }

    /** A connection in auto-commit mode, for a durable write followed by a transaction of its own. */
    Connection connection() {
        try {
            return open();
        } catch (SQLException e) {
            throw new LeaseStorageException("cannot reach lease storage", e);
        }
    }

    /** Locks one row in {@code c}'s transaction, waiting for another holder; empty when it does not exist. */
    Optional<LeaseRow> lock(Connection c, String id) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS
                + " FROM custos_leases WHERE lease_id = ? FOR UPDATE")) {
            s.setString(1, id);
            List<LeaseRow> rows = read(s);
            return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
        }
    }

    /** Up to {@code limit} rows due by {@code now} that no other transaction holds, locked in {@code c}. */
    List<LeaseRow> claimDue(Connection c, Instant now, int limit) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + " FROM custos_leases WHERE due_time <= ?"
                + " ORDER BY due_time LIMIT ? FOR UPDATE SKIP LOCKED")) {
            s.setTimestamp(1, ts(now));
            s.setInt(2, limit);
            return read(s);
        }
    }

    Optional<LeaseRow> find(String id) {
        return rows("WHERE lease_id = ?", id).stream().findFirst();
    }

    /** Lease ids starting with {@code prefix}, ascending, after {@code after}, at most {@code limit}. */
    List<String> idsWithPrefix(String prefix, String after, int limit) {
        return strings("SELECT lease_id FROM custos_leases WHERE lease_id >= ? AND lease_id < ? AND lease_id > ?"
                + " ORDER BY lease_id LIMIT " + limit, prefix, upperBound(prefix), after);
    }

    List<String> idsOfToken(String accessor) {
        return strings("SELECT lease_id FROM custos_leases WHERE token_accessor = ? AND token_accessor <> ''",
                accessor);
    }

    List<LeaseRow> irrevocable(int limit) {
        return rows("WHERE state = 2 ORDER BY lease_id LIMIT ?", limit);
    }

    /** When the longest-overdue lease fell due (expiry or a retry), or null when none is overdue at {@code now}. */
    Instant oldestOverdue(Instant now) {
        try (Connection c = open();
                PreparedStatement s = c.prepareStatement("SELECT min(due_time) FROM custos_leases WHERE due_time <= ?")) {
            s.setTimestamp(1, ts(now));
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                Timestamp t = rs.getTimestamp(1);
                return t == null ? null : t.toInstant();
            }
        } catch (SQLException e) {
            throw new LeaseStorageException("cannot read the lease backlog", e);
        }
    }

    /** Rows per state name. */
    Map<String, Long> counts() {
        Map<String, Long> out = new LinkedHashMap<>();
        out.put("pending", 0L);
        out.put("active", 0L);
        out.put("irrevocable", 0L);
        try (Connection c = open();
                PreparedStatement s = c.prepareStatement("SELECT state, count(*) FROM custos_leases GROUP BY state");
                ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
                int state = rs.getInt(1);
                out.put(state == LeaseRow.PENDING ? "pending" : state == LeaseRow.ACTIVE ? "active" : "irrevocable",
                        rs.getLong(2));
            }
            return out;
        } catch (SQLException e) {
            throw new LeaseStorageException("cannot count leases", e);
        }
    }

    /** Makes rows due now (asynchronous revocation): the ids given, or every id with the prefix. */
    int makeDue(String prefix, Instant now) {
        return update("UPDATE custos_leases SET due_time = ? WHERE lease_id >= ? AND lease_id < ? AND state <> 0",
                ts(now), prefix, upperBound(prefix));
    }

    int makeDueExactly(String id, Instant now) {
        return update("UPDATE custos_leases SET due_time = ? WHERE lease_id = ? AND state <> 0", ts(now), id);
    }

    /** Every token accessor some lease is tied to. */
    List<String> tokenAccessors() {
        List<String> out = new ArrayList<>();
        try (Connection c = open();
                PreparedStatement s = c.prepareStatement(
                        "SELECT DISTINCT token_accessor FROM custos_leases WHERE token_accessor <> ''");
                ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
            return out;
        } catch (SQLException e) {
            throw new LeaseStorageException("cannot list the leases' tokens", e);
        }
    }

    int makeDueForToken(String accessor, Instant now) {
        return update("UPDATE custos_leases SET due_time = ? WHERE token_accessor = ? AND state <> 0", ts(now),
                accessor);
    }

    static void delete(Connection c, String id) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("DELETE FROM custos_leases WHERE lease_id = ?")) {
            s.setString(1, id);
            s.executeUpdate();
        }
    }

    static void activate(Connection c, String id, boolean renewable, Instant due) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "UPDATE custos_leases SET state = 1, renewable = ?, due_time = ? WHERE lease_id = ? AND state = 0")) {
            s.setBoolean(1, renewable);
            s.setTimestamp(2, ts(due));
            s.setString(3, id);
            if (s.executeUpdate() != 1) {
                throw new SQLException("pending lease " + id + " is gone");
            }
        }
    }

    static void renewed(Connection c, String id, Instant expire, Instant now) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("UPDATE custos_leases SET expire_time = ?, due_time = ?,"
                + " last_renewal = ? WHERE lease_id = ?")) {
            s.setTimestamp(1, ts(expire));
            s.setTimestamp(2, ts(expire));
            s.setTimestamp(3, ts(now));
            s.setString(4, id);
            s.executeUpdate();
        }
    }

    static void failed(Connection c, String id, int attempts, int state, String error, Instant due)
            throws SQLException {
        try (PreparedStatement s = c.prepareStatement("UPDATE custos_leases SET attempts = ?, state = ?,"
                + " last_error = ?, due_time = ? WHERE lease_id = ?")) {
            s.setInt(1, attempts);
            s.setInt(2, state);
            s.setString(3, error);
            s.setTimestamp(4, ts(due));
            s.setString(5, id);
            s.executeUpdate();
        }
    }

    /** Up to {@code limit} rows whose data key is wrapped under a term older than {@code term}. */
    List<LeaseRow> belowTerm(int term, String after, int limit) {
        return rows("WHERE key_term < ? AND lease_id > ? ORDER BY lease_id LIMIT ?", term, after, limit);
    }

    boolean replaceDataIfUnchanged(String id, byte[] expected, byte[] data, int term) {
        return update("UPDATE custos_leases SET data = ?, key_term = ? WHERE lease_id = ? AND data = ?", data, term,
                id, expected) == 1;
    }

    /** Whole rows matching {@code where} (with its ORDER BY / LIMIT), outside any transaction. */
    private List<LeaseRow> rows(String where, Object... args) {
        try (Connection c = open();
                PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + " FROM custos_leases " + where)) {
            bind(s, args);
            return read(s);
        } catch (SQLException e) {
            throw new LeaseStorageException("cannot read leases", e);
        }
    }

    private List<String> strings(String sql, Object... args) {
        try (Connection c = open(); PreparedStatement s = c.prepareStatement(sql)) {
            bind(s, args);
            List<String> out = new ArrayList<>();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new LeaseStorageException("cannot read leases", e);
        }
    }

    private int update(String sql, Object... args) {
        try (Connection c = open(); PreparedStatement s = c.prepareStatement(sql)) {
            bind(s, args);
            return s.executeUpdate();
        } catch (SQLException e) {
            throw new LeaseStorageException("cannot update leases", e);
        }
    }

    private static void bind(PreparedStatement s, Object... args) throws SQLException {
        for (int i = 0; i < args.length; i++) {
            s.setObject(i + 1, args[i]);
        }
    }

    private static List<LeaseRow> read(PreparedStatement s) throws SQLException {
        List<LeaseRow> out = new ArrayList<>();
        try (ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
                out.add(new LeaseRow(rs.getString(1), rs.getString(2), rs.getString(3), instant(rs.getTimestamp(4)),
                        instant(rs.getTimestamp(5)), instant(rs.getTimestamp(6)), instant(rs.getTimestamp(7)),
                        rs.getLong(8), rs.getBoolean(9), rs.getInt(10), rs.getInt(11), rs.getString(12),
                        instant(rs.getTimestamp(13)), rs.getBytes(14), rs.getInt(15)));
            }
        }
        return out;
    }

    private static Timestamp ts(Instant i) {
        return i == null ? null : Timestamp.from(i);
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }

    /** The smallest string greater than every string starting with {@code prefix} ("C" collation). */
    static String upperBound(String prefix) {
        if (prefix.isEmpty()) {
            return "\uffff";
        }
        int last = prefix.length() - 1;
        return prefix.substring(0, last) + (char) (prefix.charAt(last) + 1);
    }

    /** A pooled connection; never on an I/O thread's attempt to answer from memory ({@link NonBlocking}). */
    private Connection open() throws SQLException {
        NonBlocking.check();
        return dataSource.getConnection();
    }
}
