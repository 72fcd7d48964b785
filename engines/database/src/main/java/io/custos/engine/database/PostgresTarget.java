package io.custos.engine.database;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import io.custos.engine.sdk.EngineException;
import io.custos.engine.sdk.PoolUsage;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.postgresql.util.PSQLException;

/**
 * One configured PostgreSQL server: a small connection pool with the config's credentials and
 * the statements the engine runs there. Creation and custom statements run in one transaction
 * each; statements that touch table ACLs (GRANT/REVOKE/DROP OWNED) first take a per-database
 * advisory lock, because concurrent ACL rewrites of one table fail with "tuple concurrently
 * updated". The default revocation works where Vault's does not: sessions are terminated and
 * owned objects reassigned and dropped in every listed database before the role is dropped.
 */
final class PostgresTarget implements AutoCloseable {
    /** The advisory lock serialising ACL changes on one database ("custos-acl"). */
    static final long ACL_LOCK = 0x6375_7374_6f73_6163L;
    /** SQLSTATE undefined_object: the role does not exist (already revoked). */
    private static final String UNDEFINED_OBJECT = "42704";

    private final String name;
    private final DbConfig config;
    private final ConnectionUrl url;
    private volatile HikariDataSource pool;
    private volatile boolean closed;
    /** The SQLSTATE (Custos's own class) of a target closed under a caller: retry with the new one. */
    static final String REPLACED = "CU001";

    PostgresTarget(String name, DbConfig config) {
        this.name = name;
        this.config = config;
        this.url = ConnectionUrl.parse(config.connectionUrl());
    }

    DbConfig config() {
        return config;
    }

    String user() {
        return config.username() != null && !config.username().isEmpty() ? config.username()
                : url.literalUser() == null ? "" : url.literalUser();
    }

    private String password() {
        return config.password() != null && !config.password().isEmpty() ? config.password()
                : url.literalPassword();
    }

    /** A fresh, unpooled login with {@code password}: proves a password works. */
    void verifyLogin(String password) throws SQLException {
        try (Connection c = DriverManager.getConnection(url.jdbcUrl(), url.properties(user(), password));
                Statement s = c.createStatement()) {
            s.execute("SELECT 1");
        }
    }

    /**
     * What the configured user cannot do that issuance or revocation needs, each as a warning for
     * the operator: creating and dropping roles (CREATEROLE or SUPERUSER), and ending a revoked
     * user's sessions (pg_signal_backend or SUPERUSER).
     */
    List<String> privilegeWarnings(String password) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(url.jdbcUrl(), url.properties(user(), password));
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT rolsuper, rolcreaterole, "
                        + "pg_has_role(current_user, 'pg_signal_backend', 'MEMBER') FROM pg_roles "
                        + "WHERE rolname = current_user")) {
            if (!rs.next()) {
                return out;
            }
            boolean superuser = rs.getBoolean(1);
            if (!superuser && !rs.getBoolean(2)) {
                out.add("the user \"" + user() + "\" has neither CREATEROLE nor SUPERUSER: it cannot create database "
                        + "users for credentials, nor drop them when their leases end");
            }
            if (!superuser && !rs.getBoolean(3)) {
                out.add("the user \"" + user() + "\" is neither a member of pg_signal_backend nor SUPERUSER: "
                        + "revocation cannot terminate a revoked user's open sessions, which then keep working "
                        + "until they disconnect");
            }
        }
        return out;
    }

    /**
     * A connection from the pool (created on first use). A closed target — its config replaced, here
     * or on another broker — never opens a pool again: it answers {@link #REPLACED}, and the engine
     * retries with the target that replaced it.
     */
    Connection connection() throws SQLException {
        HikariDataSource p = pool;
        if (p == null) {
            synchronized (this) {
                if (closed) {
                    throw new SQLException("the connection's config was replaced", REPLACED);
                }
                if (pool == null) {
                    pool = newPool();
                }
                p = pool;
            }
        }
        try {
            return p.getConnection();
        } catch (SQLException e) {
            if (closed) {
                throw new SQLException("the connection's config was replaced", REPLACED, e);
            }
            throw e;
        }
    }

    /** The pool's connections now, or null while it is not open (never used, or closed). */
    PoolUsage usage() {
        HikariDataSource p = pool;
        HikariPoolMXBean bean = p == null || p.isClosed() ? null : p.getHikariPoolMXBean();
        if (bean == null) {
            return null;
        }
        return new PoolUsage(name, bean.getActiveConnections(), bean.getIdleConnections(),
                bean.getThreadsAwaitingConnection(), p.getMaximumPoolSize());
    }

    private HikariDataSource newPool() {
        HikariConfig h = new HikariConfig();
        h.setPoolName("custos-db-" + name);
        h.setJdbcUrl(url.jdbcUrl());
        url.properties(user(), password()).forEach((k, v) -> h.addDataSourceProperty(k.toString(), v));
        h.setUsername(user());
        h.setPassword(password());
        h.setMaximumPoolSize(Math.max(1, config.maxOpenConnections()));
        h.setMinimumIdle(Math.min(Math.max(0, config.maxIdleConnections()), Math.max(1, config.maxOpenConnections())));
        if (config.maxConnectionLifetimeSeconds() >= 30) {
            h.setMaxLifetime(config.maxConnectionLifetimeSeconds() * 1000);
        }
        h.setConnectionTimeout(5_000);
        h.setInitializationFailTimeout(-1);
        return new HikariDataSource(h);
    }

    /** Runs statements in one transaction, ACL-changing ones under the database's advisory lock. */
    void execute(List<String> statements) throws SQLException {
        try (Connection c = connection()) {
            runInTransaction(c, statements);
        }
    }

    /** Work on one connection that may fail with SQL. */
    @FunctionalInterface
    interface SqlCall<T> {
        T call() throws SQLException;
    }

    /**
     * Runs {@code body} holding a session advisory lock keyed by {@code key} on {@code c}: one
     * holder at a time across every broker (a rotation; the lock goes with the session if the
     * broker dies). The body should do its SQL on {@code c}.
     */
    static <T> T locked(Connection c, String key, SqlCall<T> body) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_lock(hashtext(?))")) {
            ps.setString(1, key);
            ps.execute();
        }
        try {
            return body.call();
        } finally {
            try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_unlock(hashtext(?))")) {
                ps.setString(1, key);
                ps.execute();
            }
        }
    }

    static void runInTransaction(Connection c, List<String> statements) throws SQLException {
        if (statements.size() == 1 && !Statements.touchesAcls(statements)) {
            try (Statement s = c.createStatement()) {
                s.execute(statements.get(0)); // one statement is its own transaction: a round trip saved
            } catch (SQLException e) {
                throw new StatementFailure(1, 1, e);
            }
            return;
        }
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            if (Statements.touchesAcls(statements)) {
                s.execute("SELECT pg_advisory_xact_lock(" + ACL_LOCK + ")");
            }
            for (int i = 0; i < statements.size(); i++) {
                try {
                    s.execute(statements.get(i));
                } catch (SQLException e) {
                    throw new StatementFailure(i + 1, statements.size(), e);
                }
            }
            c.commit();
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }

    /**
     * The default revocation, idempotent: no more logins, sessions terminated, owned objects
     * reassigned (to {@code reassign_owned_to}, default the connection user) and dropped in each
     * database of {@code revocation_databases} (default the connection's), then the role dropped.
     */
    void defaultRevoke(String role) throws SQLException {
        try (Connection c = connection()) {
            long oid;
            boolean owns;
            try (PreparedStatement s = c.prepareStatement("SELECT r.oid, EXISTS (SELECT 1 FROM pg_shdepend d WHERE"
                    + " d.refobjid = r.oid AND d.refclassid = 'pg_authid'::regclass AND d.deptype IN ('o', 'a', 'i', 'r'))"
                    + " FROM pg_roles r WHERE r.rolname = ?")) {
                s.setString(1, role);
                try (ResultSet rs = s.executeQuery()) {
                    if (!rs.next()) {
                        return; // already gone: a repeated revocation succeeds
                    }
                    oid = rs.getLong(1);
                    owns = rs.getBoolean(2);
                }
            }
            String endSessions = "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_get_activity(NULL) WHERE usesysid = " + oid
                    + " AND pid <> pg_backend_pid()";
            if (!owns) {
                // the usual case (IN ROLE users own nothing): one transaction, one commit
                runInTransaction(c, List.of("ALTER ROLE " + ident(role) + " NOLOGIN; " + endSessions + "; DROP ROLE IF EXISTS "
                        + ident(role)));
            } else {
                try (Statement s = c.createStatement()) {
                    s.execute("ALTER ROLE " + ident(role) + " NOLOGIN; " + endSessions);
                }
                String owner = config.reassignOwnedTo() == null || config.reassignOwnedTo().isEmpty() ? user()
                        : config.reassignOwnedTo();
                List<String> owned = List.of("REASSIGN OWNED BY " + ident(role) + " TO " + ident(owner),
                        "DROP OWNED BY " + ident(role));
                List<String> dbs = config.revocationDatabases() == null || config.revocationDatabases().isEmpty()
                        ? List.of(url.database()) : config.revocationDatabases();
                for (String db : dbs) {
                    if (db.equals(url.database())) {
                        runInTransaction(c, owned);
                    } else {
                        try (Connection other = DriverManager.getConnection(url.jdbcUrl(db),
                                url.properties(user(), password()))) {
                            runInTransaction(other, owned);
                        }
                    }
                }
                try (Statement s = c.createStatement()) {
                    s.execute("DROP ROLE IF EXISTS " + ident(role));
                }
            }
            // a login that slipped in before NOLOGIN was committed must not outlive the role
            try (Statement s = c.createStatement()) {
                s.executeQuery(endSessions).close();
            }
        }
    }

    static boolean roleExists(Connection c, String role) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT 1 FROM pg_roles WHERE rolname = ?")) {
            s.setString(1, role);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** Runs {@code statements} for {@code role} on one connection (custom revocation, renewal, rollback). */
    void run(List<String> statements, String role, String password, Instant expiration) throws SQLException {
        execute(statements.stream().map(st -> Statements.render(st, role, password, expiration)).toList());
    }

    static String ident(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }

    /**
     * A clear error for the client: the config, which statement failed and PostgreSQL's primary
     * message and SQLSTATE, never statement text (a syntax error's {@code at or near "..."}
     * fragment is cut, since it quotes the statement).
     */
    EngineException failure(String what, SQLException e) {
        String state = e.getSQLState() == null ? "" : " (SQLSTATE " + e.getSQLState() + ")";
        int status = e.getSQLState() != null && e.getSQLState().startsWith("08") ? 503 : 400;
        String where = e instanceof StatementFailure f ? " at statement " + f.index() + " of " + f.count() : "";
        return new EngineException(status, what + " on database \"" + name + "\" failed" + where + ": "
                + primaryMessage(e) + state);
    }

    /** PostgreSQL's primary message, without position, detail, context or quoted SQL. */
    static String primaryMessage(SQLException e) {
        SQLException root = e instanceof StatementFailure && e.getCause() instanceof SQLException c ? c : e;
        String m = root instanceof PSQLException p && p.getServerErrorMessage() != null
                && p.getServerErrorMessage().getMessage() != null ? p.getServerErrorMessage().getMessage()
                : root.getMessage();
        if (m == null) {
            return "unknown error";
        }
        int nl = m.indexOf('\n');
        m = nl < 0 ? m : m.substring(0, nl);
        int near = m.indexOf(" at or near ");
        return near < 0 ? m : m.substring(0, near);
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (pool != null) {
            pool.close();
            pool = null;
        }
    }
}
