package io.custos.engine.database;

import static io.custos.engine.database.DbFields.NAME;
import static io.custos.engine.database.DbFields.duration;
import static io.custos.engine.database.DbFields.list;
import static io.custos.engine.database.DbFields.str;
import static io.custos.engine.sdk.Operation.DELETE;
import static io.custos.engine.sdk.Operation.LIST;
import static io.custos.engine.sdk.Operation.READ;
import static io.custos.engine.sdk.Operation.UPDATE;

import io.custos.engine.sdk.EngineContext;
import io.custos.engine.sdk.EngineException;
import io.custos.engine.sdk.Field;
import io.custos.engine.sdk.FieldData;
import io.custos.engine.sdk.FieldType;
import io.custos.engine.sdk.PathSpec;
import io.custos.engine.sdk.Response;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connections (OpenBao's {@code path_config_connection.go}, {@code path_rotate_credentials.go}):
 * configs verified by logging in, their pools reset, and two-phase rotation of the root password.
 */
final class ConnectionPaths {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionPaths.class);

    private static final List<Field> CONFIG_FIELDS = List.of(NAME,
            str("plugin_name", "Must be postgresql-database-plugin."),
            str("connection_url", "libpq URL, key=value DSN or JDBC URL; may hold "
                    + "{{username}} and {{password}}."),
            str("username", "The user Custos connects as."),
            Field.of("password", FieldType.STRING, "Its password (stored encrypted, never returned).")
                    .asSensitive(),
            Field.of("allowed_roles", FieldType.COMMA_STRING_LIST,
                    "Roles allowed to use this connection; \"*\" for all."),
            Field.of("verify_connection", FieldType.BOOL, "Log in before saving (default true)."),
            Field.of("max_open_connections", FieldType.INT, "Pool size (default 4)."),
            Field.of("max_idle_connections", FieldType.INT, "Idle connections kept (default 0)."),
            duration("max_connection_lifetime", "Recycle connections after this long (0 = never)."),
            str("username_template", "Go-template for generated user names."),
            str("password_policy", "Password policy for generated passwords."),
            str("password_authentication", "password (default) or scram-sha-256: send a "
                    + "SCRAM verifier instead of the clear password."),
            list("revocation_databases", "Databases in which the default revocation reassigns "
                    + "and drops the user's objects (default the connection's)."),
            str("reassign_owned_to", "Who receives a revoked user's objects (default the "
                    + "connection user)."),
            list("root_rotation_statements", "Statements for rotate-root; default ALTER ROLE."));

    private final DatabaseEngine engine;
    private final EngineContext context;

    ConnectionPaths(DatabaseEngine engine, EngineContext context) {
        this.engine = engine;
        this.context = context;
    }

    List<PathSpec> paths() {
        return List.of(
                PathSpec.path("config/?")
                        .on(LIST, (r, d) -> Response.listOf(context.storage().list("config/")))
                        .help("Lists the database connections.", "")
                        .build(),
                PathSpec.path("config/(?P<name>[^/]+)")
                        .fields(CONFIG_FIELDS)
                        .existenceCheck((r, d) -> context.storage().get("config/" + d.getString("name")).isPresent())
                        .on(UPDATE, (r, d) -> writeConfig(d))
                        .on(READ, (r, d) -> readConfig(d.getString("name")))
                        .on(DELETE, (r, d) -> {
                            String n = d.getString("name");
                            context.storage().delete("config/" + n);
                            engine.closeTarget(n);
                            return null;
                        })
                        .help("Configures a PostgreSQL connection.", "")
                        .build(),
                PathSpec.path("reset/(?P<name>[^/]+)")
                        .fields(NAME)
                        .on(UPDATE, (r, d) -> {
                            engine.config(d.getString("name"));
                            engine.closeTarget(d.getString("name"));
                            return null;
                        })
                        .help("Closes the connection pool; the next use reconnects with the stored config.", "")
                        .build(),
                PathSpec.path("rotate-root/(?P<name>[^/]+)")
                        .fields(NAME)
                        .on(UPDATE, (r, d) -> {
                            rotateRoot(d.getString("name"));
                            return null;
                        })
                        .help("Rotates the connection user's password (two-phase: the old one works until the "
                                + "new one is proven).", "")
                        .build());
    }

    /** config/:name — checked field by field, then (unless verify_connection=false) by logging in, then stored. */
    Response writeConfig(FieldData d) {
        String name = d.getString("name");
        DbConfig cfg = decodeConfig(d, engine.load("config/" + name, DbConfig.class));
        boolean verify = !d.has("verify_connection") || d.getBool("verify_connection");
        List<String> warnings = verify ? verifiedWarnings(name, cfg) : List.of();
        String sslmode = ConnectionUrl.parse(cfg.connectionUrl()).parameters().getOrDefault("sslmode", "prefer");
        if (!"verify-full".equals(sslmode)) {
            LOG.warn("database connection {} uses sslmode={}: the server's identity is not verified "
                    + "(use sslmode=verify-full outside development)", name, sslmode);
        }
        engine.store("config/" + name, cfg);
        engine.closeTarget(name);
        if (warnings.isEmpty()) {
            return null;
        }
        Response r = Response.of(null);
        warnings.forEach(r::warn);
        return r;
    }

    /** The new config: the request's fields over the stored ones, each checked (a 400 names the field). */
    private DbConfig decodeConfig(FieldData d, Optional<DbConfig> old) {
        String plugin = engine.pick(d, "plugin_name", old.map(DbConfig::pluginName).orElse(null));
        if (plugin == null || plugin.isEmpty()) {
            throw EngineException.badRequest("plugin_name must be set");
        }
        if (!plugin.equals(DatabaseEngine.PLUGIN) && !plugin.equals("postgresql")) {
            throw EngineException.badRequest("unsupported plugin_name \"" + plugin + "\": Custos offers " + DatabaseEngine.PLUGIN);
        }
        String url = engine.pick(d, "connection_url", old.map(DbConfig::connectionUrl).orElse(null));
        if (url == null || url.isEmpty()) {
            throw EngineException.badRequest("connection_url must be set");
        }
        ConnectionUrl.parse(url);
        String auth = engine.pick(d, "password_authentication", old.map(DbConfig::passwordAuthentication).orElse("password"));
        if (!auth.equals("password") && !auth.equals("scram-sha-256")) {
            throw EngineException.badRequest("password_authentication must be password or scram-sha-256");
        }
        String template = engine.pick(d, "username_template", old.map(DbConfig::usernameTemplate).orElse(""));
        UsernameTemplate.parse(template, context.clock());
        String policy = engine.pick(d, "password_policy", old.map(DbConfig::passwordPolicy).orElse(""));
        if (!policy.isEmpty()) {
            context.system().generatePassword(policy);
        }
        int maxOpen = d.has("max_open_connections") ? (int) d.getLong("max_open_connections")
                : old.map(DbConfig::maxOpenConnections).orElse(4);
        if (maxOpen < 1) {
            throw EngineException.badRequest("max_open_connections must be at least 1");
        }
        return new DbConfig(DatabaseEngine.PLUGIN, url,
                engine.pick(d, "username", old.map(DbConfig::username).orElse("")),
                d.has("password") ? d.getString("password") : old.map(DbConfig::password).orElse(""),
                d.has("allowed_roles") ? d.<List<String>>getAs("allowed_roles") : old.map(DbConfig::allowedRoles).orElse(List.of()),
                maxOpen,
                d.has("max_idle_connections") ? (int) d.getLong("max_idle_connections")
                        : old.map(DbConfig::maxIdleConnections).orElse(0),
                d.has("max_connection_lifetime") ? d.getDuration("max_connection_lifetime").toSeconds()
                        : old.map(DbConfig::maxConnectionLifetimeSeconds).orElse(0L),
                template, policy, auth,
                d.has("revocation_databases") ? d.<List<String>>getAs("revocation_databases")
                        : old.map(DbConfig::revocationDatabases).orElse(List.of()),
                engine.pick(d, "reassign_owned_to", old.map(DbConfig::reassignOwnedTo).orElse("")),
                d.has("root_rotation_statements") ? d.<List<String>>getAs("root_rotation_statements")
                        : old.map(DbConfig::rootRotationStatements).orElse(List.of()),
                null);
    }

    /** Logs in with the new config (a 400 when it cannot) and returns the privilege warnings. */
    private List<String> verifiedWarnings(String name, DbConfig cfg) {
        PostgresTarget target = new PostgresTarget(name, cfg);
        String password = cfg.password() == null || cfg.password().isEmpty() ? null : cfg.password();
        try {
            target.verifyLogin(password);
            return target.privilegeWarnings(password);
        } catch (SQLException e) {
            throw EngineException.badRequest("error creating database object: error verifying connection: "
                    + engine.redact(target.failure("login", e).getMessage(), cfg.password()));
        }
    }

    Response readConfig(String name) {
        Optional<DbConfig> c = engine.load("config/" + name, DbConfig.class);
        if (c.isEmpty()) {
            return null;
        }
        DbConfig cfg = c.get();
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("connection_url", cfg.connectionUrl());
        details.put("username", cfg.username());
        details.put("max_open_connections", cfg.maxOpenConnections());
        details.put("max_idle_connections", cfg.maxIdleConnections());
        details.put("max_connection_lifetime", cfg.maxConnectionLifetimeSeconds() + "s");
        details.put("password_authentication", cfg.passwordAuthentication());
        details.put("revocation_databases", cfg.revocationDatabases());
        details.put("reassign_owned_to", cfg.reassignOwnedTo());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("plugin_name", cfg.pluginName());
        m.put("plugin_version", "");
        m.put("connection_details", details);
        m.put("allowed_roles", cfg.allowedRoles());
        m.put("root_credentials_rotate_statements", cfg.rootRotationStatements());
        m.put("password_policy", cfg.passwordPolicy());
        m.put("username_template", cfg.usernameTemplate());
        m.put("verify_connection", true);
        return Response.of(m);
    }

    /**
     * Two-phase root rotation: (1) the new password is stored as pending, (2) ALTER ROLE, (3) a
     * fresh login proves it, (4) it is committed. A failure after (2) changes the password back;
     * a crash after (2) leaves the pending password, which {@link #onTarget} adopts on the next
     * failed login. At no point is the config left without a working password.
     */
    /**
     * Rotates the connection's root password, once at a time across every broker: under an advisory
     * lock in the target database, the config is read again (a rotation another broker finished is
     * built on, not undone), the new password is stored pending, altered on the same connection,
     * verified by a fresh login and committed; a failure puts the old one back.
     */
    synchronized void rotateRoot(String name) {
        for (int attempt = 0; ; attempt++) {
            PostgresTarget current = engine.target(name);
            String user = current.user();
            if (user.isEmpty()) {
                throw EngineException.badRequest("rotate-root needs the config's username");
            }
            try (var c = current.connection()) {
                PostgresTarget.locked(c, "custos-rotate-root:" + user, () -> {
                    rotateRootLocked(name, c, current, user);
                    return null;
                });
            } catch (SQLException e) {
                if (attempt == 0 && (DatabaseEngine.BAD_PASSWORD.equals(e.getSQLState())
                        || PostgresTarget.REPLACED.equals(e.getSQLState()))) {
                    engine.closeTarget(name); // another broker rotated it: connect with the stored password
                    continue;
                }
                throw current.failure("root rotation", e);
            }
            engine.closeTarget(name);
            return;
        }
    }

    private void rotateRootLocked(String name, Connection c, PostgresTarget current, String user) {
        DbConfig cfg = engine.config(name);
        String next = context.system().generatePassword(cfg.passwordPolicy());
        engine.store("config/" + name, cfg.withPasswords(cfg.password(), next));
        List<String> statements = cfg.rootRotationStatements().isEmpty() ? DatabaseEngine.DEFAULT_ROTATION
                : cfg.rootRotationStatements();
        try {
            PostgresTarget.runInTransaction(c, statements.stream()
                    .map(s -> Statements.render(Statements.decodeIfBase64(s), user, cfg.scram() ? Scram.verifier(next)
                            : next, null)).toList());
        } catch (SQLException e) {
            engine.store("config/" + name, cfg.withPasswords(cfg.password(), null));
            throw current.failure("root rotation", engine.logged(e, "root rotation of connection " + name, statements,
                    next, cfg.scram() ? null : cfg.password()));
        }
        try {
            current.verifyLogin(next);
            engine.store("config/" + name, cfg.withPasswords(next, null));
        } catch (SQLException | RuntimeException e) {
            undoRootRotation(name, c, cfg, user);
            throw e instanceof SQLException sql ? current.failure("verifying the new root password", sql)
                    : new EngineException(500, "root rotation failed and was undone: " + e.getMessage());
        }
    }

    /** The rollback sends the old password the way the new one went: a SCRAM verifier under SCRAM. */
    private void undoRootRotation(String name, Connection c, DbConfig cfg, String user) {
        try {
            PostgresTarget.runInTransaction(c, List.of(Statements.render(DatabaseEngine.DEFAULT_ROTATION.get(0), user,
                    cfg.scram() ? Scram.verifier(cfg.password()) : cfg.password(), null)));
            engine.store("config/" + name, cfg.withPasswords(cfg.password(), null));
        } catch (SQLException e) {
            LOG.error("database connection {}: the failed root rotation could not be undone ({}); the pending "
                    + "password is kept and adopted on the next use if it logs in", name, e.getSQLState());
        }
    }

}
