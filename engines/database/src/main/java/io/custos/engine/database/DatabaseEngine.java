package io.custos.engine.database;

import static io.custos.engine.sdk.Operation.DELETE;
import static io.custos.engine.sdk.Operation.LIST;
import static io.custos.engine.sdk.Operation.READ;
import static io.custos.engine.sdk.Operation.UPDATE;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import io.custos.engine.sdk.EngineContext;
import io.custos.engine.sdk.EngineException;
import io.custos.engine.sdk.Field;
import io.custos.engine.sdk.FieldData;
import io.custos.engine.sdk.FieldType;
import io.custos.engine.sdk.FrameworkEngine;
import io.custos.engine.sdk.Json;
import io.custos.engine.sdk.LeaseData;
import io.custos.engine.sdk.PathSpec;
import io.custos.engine.sdk.PendingLease;
import io.custos.engine.sdk.Request;
import io.custos.engine.sdk.Response;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.LinkedHashMap;
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
    private static final List<String> DEFAULT_RENEW = List.of("ALTER ROLE \"{{name}}\" VALID UNTIL '{{expiration}}'");
    private static final List<String> DEFAULT_ROTATION = List.of("ALTER ROLE \"{{name}}\" WITH PASSWORD '{{password}}'");
    /** What a generated user name may hold: it is spliced into SQL text as an identifier. */
    static final Pattern SAFE_USERNAME = Pattern.compile("[A-Za-z0-9_.-]+");
    /** PostgreSQL's identifier limit (NAMEDATALEN - 1); longer names would be truncated silently. */
    static final int MAX_USERNAME_BYTES = 63;
    private static final CronParser CRON = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));

    private final EngineContext context;
    private final Map<String, PostgresTarget> targets = new ConcurrentHashMap<>();
    /** Parsed username templates by their text (parsing is not free and they rarely change). */
    private final Map<String, UsernameTemplate> templates = new ConcurrentHashMap<>();

    DatabaseEngine(EngineContext context) {
        this.context = context;
    }

    // ---- declarations ----

    private static Field str(String name, String description) {
        return Field.of(name, FieldType.STRING, description);
    }

    private static Field list(String name, String description) {
        return Field.of(name, FieldType.STRING_LIST, description);
    }

    private static Field duration(String name, String description) {
        return Field.of(name, FieldType.DURATION, description);
    }

    private static final Field NAME = str("name", "Name of the connection, role or static role.");

    @Override
    protected List<PathSpec> declarePaths() {
        return List.of(
                PathSpec.path("config/?")
                        .on(LIST, (r, d) -> Response.listOf(context.storage().list("config/")))
                        .help("Lists the database connections.", "")
                        .build(),
                PathSpec.path("config/(?P<name>[^/]+)")
                        .fields(NAME,
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
                                list("root_rotation_statements", "Statements for rotate-root; default ALTER ROLE."))
                        .existenceCheck((r, d) -> context.storage().get("config/" + d.getString("name")).isPresent())
                        .on(UPDATE, (r, d) -> writeConfig(d))
                        .on(READ, (r, d) -> readConfig(d.getString("name")))
                        .on(DELETE, (r, d) -> {
                            String n = d.getString("name");
                            context.storage().delete("config/" + n);
                            closeTarget(n);
                            return null;
                        })
                        .help("Configures a PostgreSQL connection.", "")
                        .build(),
                PathSpec.path("reset/(?P<name>[^/]+)")
                        .fields(NAME)
                        .on(UPDATE, (r, d) -> {
                            config(d.getString("name"));
                            closeTarget(d.getString("name"));
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
                        .build(),
                PathSpec.path("roles/?")
                        .on(LIST, (r, d) -> Response.listOf(context.storage().list("roles/")))
                        .help("Lists the dynamic roles.", "")
                        .build(),
                PathSpec.path("roles/(?P<name>[^/]+)")
                        .fields(NAME,
                                str("db_name", "The connection config the role uses."),
                                list("creation_statements", "Statements creating the user; {{name}}, {{password}}, "
                                        + "{{expiration}}."),
                                list("revocation_statements", "Statements dropping the user; default: terminate "
                                        + "sessions, reassign and drop owned objects, drop the role."),
                                list("renew_statements", "Statements run on renewal; default ALTER ROLE … VALID UNTIL."),
                                list("rollback_statements", "Statements undoing a failed creation; default the "
                                        + "revocation."),
                                duration("default_ttl", "Default lease TTL (0 = the mount's)."),
                                duration("max_ttl", "Maximum lease TTL (0 = the mount's)."),
                                str("credential_type", "Only password."))
                        .existenceCheck((r, d) -> context.storage().get("roles/" + d.getString("name")).isPresent())
                        .on(UPDATE, (r, d) -> writeRole(d))
                        .on(READ, (r, d) -> readRole(d.getString("name")))
                        .on(DELETE, (r, d) -> {
                            context.storage().delete("roles/" + d.getString("name"));
                            return null;
                        })
                        .help("A dynamic role: one database user per lease.", "")
                        .build(),
                PathSpec.path("creds/(?P<name>[^/]+)")
                        .fields(NAME)
                        .on(READ, (r, d) -> issue(r, d.getString("name")))
                        .help("Creates a database user for a new lease.", "")
                        .build(),
                PathSpec.path("static-roles/?")
                        .on(LIST, (r, d) -> Response.listOf(context.storage().list("static-roles/")))
                        .help("Lists the static roles.", "")
                        .build(),
                PathSpec.path("static-roles/(?P<name>[^/]+)")
                        .fields(NAME,
                                str("db_name", "The connection config."),
                                str("username", "The existing database user whose password Custos rotates."),
                                duration("rotation_period", "Rotate this often (at least 5s)."),
                                str("rotation_schedule", "Or a cron schedule (5 fields, UTC)."),
                                duration("rotation_window", "With a schedule: rotation may start this long after "
                                        + "the scheduled time."),
                                list("rotation_statements", "Statements setting the password; default ALTER ROLE."),
                                str("credential_type", "Only password."))
                        .existenceCheck((r, d) -> context.storage().get("static-roles/" + d.getString("name")).isPresent())
                        .on(UPDATE, (r, d) -> writeStaticRole(d))
                        .on(READ, (r, d) -> readStaticRole(d.getString("name")))
                        .on(DELETE, (r, d) -> {
                            context.storage().delete("static-roles/" + d.getString("name"));
                            return null;
                        })
                        .help("A static role: an existing user with a rotated password.", "")
                        .build(),
                PathSpec.path("static-creds/(?P<name>[^/]+)")
                        .fields(NAME)
                        .on(READ, (r, d) -> staticCreds(d.getString("name")))
                        .help("The static role's current credentials.", "")
                        .build(),
                PathSpec.path("rotate-role/(?P<name>[^/]+)")
                        .fields(NAME)
                        .on(UPDATE, (r, d) -> {
                            String n = d.getString("name");
                            rotateStatic(n, staticRole(n).orElseThrow(() -> EngineException.badRequest(
                                    "static role \"" + n + "\" not found")));
                            return null;
                        })
                        .help("Rotates a static role's password now.", "")
                        .build());
    }

    // ---- connections ----

    private Response writeConfig(FieldData d) {
        String name = d.getString("name");
        Optional<DbConfig> old = load("config/" + name, DbConfig.class);
        String plugin = pick(d, "plugin_name", old.map(DbConfig::pluginName).orElse(null));
        if (plugin == null || plugin.isEmpty()) {
            throw EngineException.badRequest("plugin_name must be set");
        }
        if (!plugin.equals(PLUGIN) && !plugin.equals("postgresql")) {
            throw EngineException.badRequest("unsupported plugin_name \"" + plugin + "\": Custos offers " + PLUGIN);
        }
        String url = pick(d, "connection_url", old.map(DbConfig::connectionUrl).orElse(null));
        if (url == null || url.isEmpty()) {
            throw EngineException.badRequest("connection_url must be set");
        }
        ConnectionUrl.parse(url);
        String auth = pick(d, "password_authentication", old.map(DbConfig::passwordAuthentication).orElse("password"));
        if (!auth.equals("password") && !auth.equals("scram-sha-256")) {
            throw EngineException.badRequest("password_authentication must be password or scram-sha-256");
        }
        String template = pick(d, "username_template", old.map(DbConfig::usernameTemplate).orElse(""));
        UsernameTemplate.parse(template, context.clock());
        String policy = pick(d, "password_policy", old.map(DbConfig::passwordPolicy).orElse(""));
        if (!policy.isEmpty()) {
            context.system().generatePassword(policy);
        }
        int maxOpen = d.has("max_open_connections") ? (int) d.getLong("max_open_connections")
                : old.map(DbConfig::maxOpenConnections).orElse(4);
        if (maxOpen < 1) {
            throw EngineException.badRequest("max_open_connections must be at least 1");
        }
        DbConfig cfg = new DbConfig(PLUGIN, url,
                pick(d, "username", old.map(DbConfig::username).orElse("")),
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
                pick(d, "reassign_owned_to", old.map(DbConfig::reassignOwnedTo).orElse("")),
                d.has("root_rotation_statements") ? d.<List<String>>getAs("root_rotation_statements")
                        : old.map(DbConfig::rootRotationStatements).orElse(List.of()),
                null);
        boolean verify = !d.has("verify_connection") || d.getBool("verify_connection");
        PostgresTarget target = new PostgresTarget(name, cfg);
        List<String> warnings = List.of();
        if (verify) {
            String password = cfg.password() == null || cfg.password().isEmpty() ? null : cfg.password();
            try {
                target.verifyLogin(password);
                warnings = target.privilegeWarnings(password);
            } catch (SQLException e) {
                throw EngineException.badRequest("error creating database object: error verifying connection: "
                        + redact(target.failure("login", e).getMessage(), cfg.password()));
            }
        }
        String sslmode = ConnectionUrl.parse(url).parameters().getOrDefault("sslmode", "prefer");
        if (!"verify-full".equals(sslmode)) {
            LOG.warn("database connection {} uses sslmode={}: the server's identity is not verified "
                    + "(use sslmode=verify-full outside development)", name, sslmode);
        }
        store("config/" + name, cfg);
        closeTarget(name);
        if (warnings.isEmpty()) {
            return null;
        }
        Response r = Response.of(null);
        warnings.forEach(r::warn);
        return r;
    }

    private Response readConfig(String name) {
        Optional<DbConfig> c = load("config/" + name, DbConfig.class);
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

    /** A connection's config changed elsewhere (rotate-root, a new URL): its pool is rebuilt on next use. */
    @Override
    public void invalidate(String key) {
        if (key.startsWith("config/")) {
            closeTarget(key.substring("config/".length()));
        }
    }

    private void closeTarget(String name) {
        PostgresTarget t = targets.remove(name);
        if (t != null) {
            t.close();
        }
    }

    private <T> T onTarget(String dbName, String what, SqlAction<T> action) {
        PostgresTarget t = target(dbName);
        try {
            return action.run(t);
        } catch (SQLException e) {
            if ("28P01".equals(e.getSQLState()) && adoptPendingRootPassword(dbName)) {
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
    private interface SqlAction<T> {
        T run(PostgresTarget target) throws SQLException;
    }

    private synchronized boolean adoptPendingRootPassword(String name) {
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

    /**
     * Two-phase root rotation: (1) the new password is stored as pending, (2) ALTER ROLE, (3) a
     * fresh login proves it, (4) it is committed. A failure after (2) changes the password back;
     * a crash after (2) leaves the pending password, which {@link #onTarget} adopts on the next
     * failed login. At no point is the config left without a working password.
     */
    private synchronized void rotateRoot(String name) {
        DbConfig cfg = config(name);
        PostgresTarget current = target(name);
        String user = current.user();
        if (user.isEmpty()) {
            throw EngineException.badRequest("rotate-root needs the config's username");
        }
        String next = context.system().generatePassword(cfg.passwordPolicy());
        store("config/" + name, cfg.withPasswords(cfg.password(), next));
        List<String> statements = cfg.rootRotationStatements().isEmpty() ? DEFAULT_ROTATION : cfg.rootRotationStatements();
        try (var c = current.connection()) {
            PostgresTarget.runInTransaction(c, statements.stream()
                    .map(s -> Statements.render(Statements.decodeIfBase64(s), user, cfg.scram() ? Scram.verifier(next)
                            : next, null)).toList());
            try {
                current.verifyLogin(next);
                store("config/" + name, cfg.withPasswords(next, null));
            } catch (SQLException | RuntimeException e) {
                // the rollback sends the old password the way the new one went: a SCRAM verifier under SCRAM
                PostgresTarget.runInTransaction(c, List.of(Statements.render(DEFAULT_ROTATION.get(0), user,
                        cfg.scram() ? Scram.verifier(cfg.password()) : cfg.password(), null)));
                store("config/" + name, cfg.withPasswords(cfg.password(), null));
                throw e instanceof SQLException sql ? current.failure("verifying the new root password", sql)
                        : new EngineException(500, "root rotation failed and was undone: " + e.getMessage());
            }
        } catch (SQLException e) {
            store("config/" + name, cfg.withPasswords(cfg.password(), null));
            throw current.failure("root rotation", logged(e, "root rotation of connection " + name, statements, next,
                    cfg.scram() ? null : cfg.password()));
        }
        closeTarget(name);
    }

    // ---- dynamic roles ----

    private Response writeRole(FieldData d) {
        String name = d.getString("name");
        Optional<DbRole> old = load("roles/" + name, DbRole.class);
        String db = pick(d, "db_name", old.map(DbRole::dbName).orElse(null));
        if (db == null || db.isEmpty()) {
            throw EngineException.badRequest("db_name is required");
        }
        List<String> creation = d.has("creation_statements") ? d.getAs("creation_statements")
                : old.map(DbRole::creationStatements).orElse(List.of());
        if (Statements.parse(creation).isEmpty()) {
            throw EngineException.badRequest("creation_statements are required");
        }
        String type = d.getString("credential_type");
        if (type != null && !type.isEmpty() && !type.equals("password")) {
            throw EngineException.badRequest("credential_type \"" + type + "\" is not supported; use password");
        }
        long defaultTtl = d.has("default_ttl") ? d.getDuration("default_ttl").toSeconds()
                : old.map(DbRole::defaultTtl).orElse(0L);
        long maxTtl = d.has("max_ttl") ? d.getDuration("max_ttl").toSeconds() : old.map(DbRole::maxTtl).orElse(0L);
        if (defaultTtl < 0 || maxTtl < 0) {
            throw EngineException.badRequest("TTLs cannot be negative");
        }
        if (maxTtl > 0 && defaultTtl > maxTtl) {
            throw EngineException.badRequest("ttl cannot be greater than max_ttl");
        }
        DbRole role = new DbRole(db, creation,
                listOr(d, "revocation_statements", old.map(DbRole::revocationStatements)),
                listOr(d, "renew_statements", old.map(DbRole::renewStatements)),
                listOr(d, "rollback_statements", old.map(DbRole::rollbackStatements)), defaultTtl, maxTtl);
        store("roles/" + name, role);
        return null;
    }

    private Response readRole(String name) {
        return load("roles/" + name, DbRole.class).map(r -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("db_name", r.dbName());
            m.put("creation_statements", r.creationStatements());
            m.put("revocation_statements", r.revocationStatements());
            m.put("renew_statements", r.renewStatements());
            m.put("rollback_statements", r.rollbackStatements());
            m.put("default_ttl", r.defaultTtl());
            m.put("max_ttl", r.maxTtl());
            m.put("credential_type", "password");
            return Response.of(m);
        }).orElse(null);
    }

    /**
     * creds/:name: the lease is recorded (pending) before the user exists, the user is created
     * {@code VALID UNTIL} the lease's expiry, and the lease committed. Any failure rolls back
     * (drops the user if it came to exist); a crash leaves the pending lease for a worker to roll back.
     */
    private Response issue(Request request, String roleName) {
        DbRole role = load("roles/" + roleName, DbRole.class).orElseThrow(() -> EngineException.badRequest(
                "unknown role: " + roleName));
        DbConfig cfg = config(role.dbName());
        if (!cfg.allows(roleName)) {
            throw EngineException.badRequest("\"" + roleName + "\" is not an allowed role for connection \""
                    + role.dbName() + "\"");
        }
        String username = templates.computeIfAbsent(cfg.usernameTemplate(), t -> UsernameTemplate.parse(t,
                context.clock())).render(
                request.displayName(), roleName);
        checkGeneratedUsername(username);
        String password = context.system().generatePassword(cfg.passwordPolicy());
        Map<String, Object> internal = Map.of("username", username, "role", roleName, "db_name", role.dbName());
        try (PendingLease lease = request.leases().begin(internal, Duration.ofSeconds(role.defaultTtl()),
                Duration.ofSeconds(role.maxTtl()))) {
            String secretForSql = cfg.scram() ? Scram.verifier(password) : password;
            List<String> templates = Statements.parse(role.creationStatements());
            List<String> statements = templates.stream()
                    .map(s -> Statements.render(s, username, secretForSql, lease.expireTime())).toList();
            onTarget(role.dbName(), "creating the user for role \"" + roleName + "\"", t -> {
                try {
                    t.execute(statements);
                } catch (SQLException e) {
                    throw logged(e, "creating user " + username + " for role " + roleName, templates, password,
                            secretForSql);
                }
                return null;
            });
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("username", username);
            data.put("password", password);
            return lease.commit(Response.of(data), true);
        }
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

    private void revoke(LeaseData lease, List<String> custom) {
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

    // ---- static roles ----

    private Response writeStaticRole(FieldData d) {
        String name = d.getString("name");
        Optional<StaticRole> old = staticRole(name);
        String db = pick(d, "db_name", old.map(StaticRole::dbName).orElse(null));
        String username = pick(d, "username", old.map(StaticRole::username).orElse(null));
        if (db == null || db.isEmpty() || username == null || username.isEmpty()) {
            throw EngineException.badRequest("db_name and username are required");
        }
        if (old.isPresent() && !old.get().username().equals(username)) {
            throw EngineException.badRequest("cannot update static account username");
        }
        DbConfig cfg = config(db);
        if (!cfg.allows(name)) {
            throw EngineException.badRequest("\"" + name + "\" is not an allowed role for connection \"" + db + "\"");
        }
        long period = d.has("rotation_period") ? d.getDuration("rotation_period").toSeconds()
                : old.map(StaticRole::rotationPeriod).orElse(0L);
        String schedule = pick(d, "rotation_schedule", old.map(StaticRole::rotationSchedule).orElse(""));
        long window = d.has("rotation_window") ? d.getDuration("rotation_window").toSeconds()
                : old.map(StaticRole::rotationWindow).orElse(0L);
        if ((period > 0) == !schedule.isEmpty()) {
            throw EngineException.badRequest("exactly one of rotation_period or rotation_schedule must be set");
        }
        if (period > 0 && period < 5) {
            throw EngineException.badRequest("rotation_period must be 5 seconds or more");
        }
        if (!schedule.isEmpty()) {
            try {
                CRON.parse(schedule).validate();
            } catch (IllegalArgumentException e) {
                throw EngineException.badRequest("invalid rotation_schedule \"" + schedule + "\": " + e.getMessage());
            }
        }
        StaticRole role = new StaticRole(db, username, period, schedule, window,
                listOr(d, "rotation_statements", old.map(StaticRole::rotationStatements)),
                old.map(StaticRole::password).orElse(null), old.map(StaticRole::lastRotation).orElse(0L),
                old.map(StaticRole::nextRotation).orElse(0L), null);
        if (old.isEmpty()) {
            rotateStatic(name, role); // Vault rotates a new static role at once, so Custos knows its password
        } else {
            long now = context.clock().instant().getEpochSecond();
            store("static-roles/" + name, role.rotated(role.password(), role.lastRotation(), nextRotation(role,
                    role.lastRotation() == 0 ? now : role.lastRotation())));
        }
        return null;
    }

    private Response readStaticRole(String name) {
        return staticRole(name).map(r -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("db_name", r.dbName());
            m.put("username", r.username());
            m.put("rotation_statements", r.rotationStatements());
            m.put("credential_type", "password");
            if (r.rotationPeriod() > 0) {
                m.put("rotation_period", r.rotationPeriod());
            } else {
                m.put("rotation_schedule", r.rotationSchedule());
                m.put("rotation_window", r.rotationWindow());
            }
            m.put("last_vault_rotation", Instant.ofEpochSecond(r.lastRotation()).toString());
            return Response.of(m);
        }).orElse(null);
    }

    private Response staticCreds(String name) {
        StaticRole r = staticRole(name).orElse(null);
        if (r == null) {
            return null;
        }
        long now = context.clock().instant().getEpochSecond();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("username", r.username());
        m.put("password", r.password());
        m.put("last_vault_rotation", Instant.ofEpochSecond(r.lastRotation()).toString());
        m.put("ttl", Math.max(0, r.nextRotation() - now));
        if (r.rotationPeriod() > 0) {
            m.put("rotation_period", r.rotationPeriod());
        } else {
            m.put("rotation_schedule", r.rotationSchedule());
            m.put("rotation_window", r.rotationWindow());
        }
        return Response.of(m);
    }

    private Optional<StaticRole> staticRole(String name) {
        return load("static-roles/" + name, StaticRole.class);
    }

    /** Two-phase like the root: pending stored, ALTER, committed with the next rotation time. */
    private synchronized void rotateStatic(String name, StaticRole role) {
        DbConfig cfg = config(role.dbName());
        String next = context.system().generatePassword(cfg.passwordPolicy());
        store("static-roles/" + name, role.pending(next));
        List<String> statements = Statements.parse(role.rotationStatements()).isEmpty() ? DEFAULT_ROTATION
                : Statements.parse(role.rotationStatements());
        String forSql = cfg.scram() ? Scram.verifier(next) : next;
        onTarget(role.dbName(), "rotating " + role.username(), t -> {
            try {
                t.run(statements, role.username(), forSql, null);
            } catch (SQLException e) {
                throw logged(e, "rotating static role " + name, statements, next, forSql);
            }
            return null;
        });
        long now = context.clock().instant().getEpochSecond();
        store("static-roles/" + name, role.rotated(next, now, nextRotation(role, now)));
    }

    private long nextRotation(StaticRole role, long from) {
        if (role.rotationPeriod() > 0) {
            return from + role.rotationPeriod();
        }
        ZonedDateTime at = ZonedDateTime.ofInstant(Instant.ofEpochSecond(from), ZoneOffset.UTC);
        return ExecutionTime.forCron(CRON.parse(role.rotationSchedule())).nextExecution(at)
                .map(z -> z.toEpochSecond()).orElse(Long.MAX_VALUE);
    }

    /** Rotates static roles whose time has come, and finishes rotations a crash interrupted. */
    @Override
    public void periodic(Instant now) {
        for (String name : context.storage().list("static-roles/")) {
            if (name.endsWith("/")) {
                continue;
            }
            try {
                StaticRole r = staticRole(name).orElse(null);
                if (r != null && (r.pendingPassword() != null || r.nextRotation() <= now.getEpochSecond())) {
                    rotateStatic(name, r);
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

    // ---- helpers ----

    private <T> Optional<T> load(String key, Class<T> type) {
        return context.storage().get(key).map(b -> Json.read(b, type));
    }

    private void store(String key, Object value) {
        context.storage().put(key, Json.write(value));
    }

    private static String pick(FieldData d, String field, String fallback) {
        return d.has(field) ? d.getString(field) : fallback;
    }

    private static List<String> listOr(FieldData d, String field, Optional<List<String>> old) {
        return d.has(field) ? d.getAs(field) : old.orElse(List.of());
    }

    /**
     * Refuses a generated user name outside {@link #SAFE_USERNAME} before any statement runs:
     * defence in depth behind the display-name cleaning, since the name lands in SQL text and the
     * username template may pass any token or claim value through.
     */
    static void checkGeneratedUsername(String username) {
        if (username.isEmpty() || !SAFE_USERNAME.matcher(username).matches()
                || username.getBytes(StandardCharsets.UTF_8).length > MAX_USERNAME_BYTES) {
            throw EngineException.badRequest("the user name generated by username_template must be 1 to "
                    + MAX_USERNAME_BYTES + " characters from [A-Za-z0-9_.-]; the display name or role name put other"
                    + " characters in it");
        }
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
}
