package io.custos.engine.database;

import io.custos.engine.sdk.EngineContext;
import io.custos.engine.sdk.EngineException;
import io.custos.engine.sdk.FieldData;
import io.custos.engine.sdk.FrameworkEngine;
import io.custos.engine.sdk.Json;
import io.custos.engine.sdk.LeaseData;
import io.custos.engine.sdk.PathSpec;
import io.custos.engine.sdk.PoolUsage;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Vault's database secrets engine with the PostgreSQL plugin ({@code postgresql-database-plugin}):
 * connection configs, dynamic roles whose users live exactly as long as their lease (created
 * {@code VALID UNTIL} the lease's expiry only after the broker has recorded the pending lease),
 * static roles with scheduled rotation, and two-phase root credential rotation.
 */
final class DatabaseEngine extends FrameworkEngine {
    private static final Logger LOG = LoggerFactory.getLogger(DatabaseEngine.class);

    static final String PLUGIN = "postgresql-database-plugin";
    /** SQLSTATE invalid_password: the password PostgreSQL was given no longer logs in. */
    static final String BAD_PASSWORD = "28P01";

    static final List<String> DEFAULT_ROTATION = List.of("ALTER ROLE \"{{name}}\" WITH PASSWORD '{{password}}'");
    private static final List<String> DEFAULT_RENEW = List.of("ALTER ROLE \"{{name}}\" VALID UNTIL '{{expiration}}'");

    /** What a generated user name may hold: it is spliced into SQL text as an identifier. */
    static final Pattern SAFE_USERNAME = Pattern.compile("[A-Za-z0-9_.-]+");

    /** PostgreSQL's identifier limit (NAMEDATALEN - 1); longer names would be truncated silently. */
    static final int MAX_USERNAME_BYTES = 63;

    private final EngineContext context;
    private final Map<String, PostgresTarget> targets = new ConcurrentHashMap<>();
    private final ConnectionPaths connections;
    private final RolePaths roles;
    private final StaticRolePaths staticRoles;

    DatabaseEngine(EngineContext context) {
        this.context = context;
        this.connections = new ConnectionPaths(this, context);
        this.roles = new RolePaths(this, context);
        this.staticRoles = new StaticRolePaths(this, context);
    }

    DbConfig config(String name) {
        return load("config/" + name, DbConfig.class).orElseThrow(() -> EngineException.badRequest(
                "no database connection \"" + name + "\" (configure it at config/" + name + ")"));
    }

    /**
     * The connection pool for a config. If the stored password no longer logs in and a root
     * rotation was left half-done (pending password stored, then the broker died after the ALTER),
     * the pending password is tried and, when it works, committed.
     */
    PostgresTarget target(String name) {
        return targets.computeIfAbsent(name, n -> new PostgresTarget(n, config(n)));
    }

    /** Each configured connection's pool, once it has been opened (by a first credential, rotation or revocation). */
    @Override
    public List<PoolUsage> connectionPools() {
        List<PoolUsage> out = new ArrayList<>();
        targets.values().forEach(t -> {
            PoolUsage u = t.usage();
            if (u != null) {
                out.add(u);
            }
        });
        out.sort(Comparator.comparing(PoolUsage::name));
        return out;
    }

    /** A connection's config changed elsewhere (rotate-root, a new URL): its pool is rebuilt on next use. */
    @Override
    public void invalidate(String key) {
        if (key.isEmpty()) {
            targets.keySet().forEach(this::closeTarget);
        } else if (key.startsWith("config/")) {
            closeTarget(key.substring("config/".length()));
        }
    }

    void closeTarget(String name) {
        PostgresTarget t = targets.remove(name);
        if (t != null) {
            t.close();
        }
    }

    <T> T onTarget(String dbName, String what, SqlAction<T> action) {
        PostgresTarget t = target(dbName);
        try {
            return action.run(t);
        } catch (SQLException e) {
            if (PostgresTarget.REPLACED.equals(e.getSQLState())) {
                try {
                    return action.run(target(dbName)); // replaced while in use (a config change): once more
                } catch (SQLException again) {
                    throw target(dbName).failure(what, again);
                }
            }
            if (BAD_PASSWORD.equals(e.getSQLState()) && !t.config().equals(config(dbName))) {
                closeTarget(dbName); // the stored config changed (another broker rotated the root): use it
                try {
                    return action.run(target(dbName));
                } catch (SQLException again) {
                    throw target(dbName).failure(what, again);
                }
            }
            if (BAD_PASSWORD.equals(e.getSQLState()) && adoptPendingRootPassword(dbName)) {
                try {
                    return action.run(target(dbName));
                } catch (SQLException again) {
                    throw target(dbName).failure(what, again);
                }
            }
            throw t.failure(what, e);
        }
    }

    @FunctionalInterface
    interface SqlAction<T> {
        T run(PostgresTarget target) throws SQLException;
    }

    synchronized boolean adoptPendingRootPassword(String name) {
        DbConfig cfg = config(name);
        if (cfg.pendingPassword() == null) {
            return false;
        }
        try {
            new PostgresTarget(name, cfg).verifyLogin(cfg.pendingPassword());
        } catch (SQLException e) {
            return false;
        }
        LOG.warn("database connection {}: adopting the password of an unfinished root rotation", name);
        store("config/" + name, cfg.withPasswords(cfg.pendingPassword(), null));
        closeTarget(name);
        return true;
    }

    @Override
    public void renewLease(LeaseData lease) {
        DbRole role = roleFor(lease);
        List<String> statements = role == null || Statements.parse(role.renewStatements()).isEmpty() ? DEFAULT_RENEW
                : Statements.parse(role.renewStatements());
        String db = role == null ? lease.string("db_name") : role.dbName();
        onTarget(db, "renewing the user", t -> {
            t.run(statements, lease.string("username"), null, lease.expireTime());
            return null;
        });
    }

    @Override
    public void revokeLease(LeaseData lease) {
        DbRole role = roleFor(lease);
        List<String> custom = role == null ? List.of() : Statements.parse(role.revocationStatements());
        revoke(lease, custom);
    }

    @Override
    public void rollbackLease(LeaseData lease) {
        DbRole role = roleFor(lease);
        List<String> custom = role == null ? List.of() : Statements.parse(role.rollbackStatements());
        if (custom.isEmpty() && role != null) {
            custom = Statements.parse(role.revocationStatements());
        }
        revoke(lease, custom);
    }

    void revoke(LeaseData lease, List<String> custom) {
        String username = lease.string("username");
        onTarget(lease.string("db_name"), "revoking " + username, t -> {
            if (custom.isEmpty()) {
                t.defaultRevoke(username);
            } else {
                t.run(custom, username, null, null);
            }
            return null;
        });
    }

    private DbRole roleFor(LeaseData lease) {
        return load("roles/" + lease.string("role"), DbRole.class).orElse(null);
    }

    /** Rotates static roles whose time has come, and finishes rotations a crash interrupted. */
    @Override
    public void periodic(Instant now) {
        for (String name : context.storage().list("static-roles/")) {
            if (name.endsWith("/")) {
                continue;
            }
            try {
                StaticRole r = staticRoles.staticRole(name).orElse(null);
                if (r != null && StaticRolePaths.due(r, now.getEpochSecond())) {
                    staticRoles.rotateStatic(name, r, true);
                }
            } catch (RuntimeException e) {
                LOG.warn("rotation of static role {} failed; will retry: {}", name, e.getMessage());
            }
        }
    }

    @Override
    public void shutdown() {
        targets.keySet().forEach(this::closeTarget);
    }

    <T> Optional<T> load(String key, Class<T> type) {
        return context.storage().get(key).map(b -> Json.read(b, type));
    }

    void store(String key, Object value) {
        context.storage().put(key, Json.write(value));
    }

    static String pick(FieldData d, String field, String fallback) {
        return d.has(field) ? d.getString(field) : fallback;
    }

    static List<String> listOr(FieldData d, String field, Optional<List<String>> old) {
        return d.has(field) ? d.getAs(field) : old.orElse(List.of());
    }

    /**
     * Logs a failed statement for the operator (its template, so no password is written) and
     * returns the failure with every secret removed from PostgreSQL's message, for the client.
     */
    static SQLException logged(SQLException e, String what, List<String> templates, String... secrets) {
        String message = redact(PostgresTarget.primaryMessage(e), secrets);
        if (e instanceof StatementFailure f) {
            LOG.warn("{}: statement {} of {} failed: {} (SQLSTATE {}); statement: {}", what, f.index(), f.count(),
                    message, e.getSQLState(), f.index() <= templates.size() ? templates.get(f.index() - 1) : "?");
            return new StatementFailure(f.index(), f.count(), new SQLException(message, e.getSQLState()));
        }
        LOG.warn("{}: {} (SQLSTATE {})", what, message, e.getSQLState());
        return new SQLException(message, e.getSQLState());
    }

    /**
     * Removes each secret from a message where it stands as a value (not inside a longer word),
     * so a short password does not mangle the words around it.
     */
    static String redact(String message, String... secrets) {
        String m = message == null ? "" : message;
        for (String s : secrets) {
            if (s != null && !s.isEmpty()) {
                m = Pattern.compile("(?<![A-Za-z0-9_])" + Pattern.quote(s) + "(?![A-Za-z0-9_])").matcher(m)
                        .replaceAll("[redacted]");
            }
        }
        return m;
    }

    @Override
    protected List<PathSpec> declarePaths() {
        List<PathSpec> out = new ArrayList<>(connections.paths());
        out.addAll(roles.paths());
        out.addAll(staticRoles.paths());
        return out;
    }
}
