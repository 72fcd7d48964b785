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
import io.custos.engine.sdk.FieldData;
import io.custos.engine.sdk.PathSpec;
import io.custos.engine.sdk.PendingLease;
import io.custos.engine.sdk.Request;
import io.custos.engine.sdk.Response;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Dynamic roles and their credentials (OpenBao's {@code path_roles.go}, {@code path_creds_create.go}):
 * a user created per lease, named by the role's username template.
 */
final class RolePaths {
    private final DatabaseEngine engine;
    private final EngineContext context;
    /** Parsed username templates by their text (parsing is not free and they rarely change). */
    private final Map<String, UsernameTemplate> templates = new ConcurrentHashMap<>();

    RolePaths(DatabaseEngine engine, EngineContext context) {
        this.engine = engine;
        this.context = context;
    }

    List<PathSpec> paths() {
        return List.of(
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
                        .build());
    }

    Response writeRole(FieldData d) {
        String name = d.getString("name");
        Optional<DbRole> old = engine.load("roles/" + name, DbRole.class);
        String db = engine.pick(d, "db_name", old.map(DbRole::dbName).orElse(null));
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
                engine.listOr(d, "revocation_statements", old.map(DbRole::revocationStatements)),
                engine.listOr(d, "renew_statements", old.map(DbRole::renewStatements)),
                engine.listOr(d, "rollback_statements", old.map(DbRole::rollbackStatements)), defaultTtl, maxTtl);
        engine.store("roles/" + name, role);
        return null;
    }

    Response readRole(String name) {
        return engine.load("roles/" + name, DbRole.class).map(r -> {
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
    Response issue(Request request, String roleName) {
        DbRole role = engine.load("roles/" + roleName, DbRole.class).orElseThrow(() -> EngineException.badRequest(
                "unknown role: " + roleName));
        DbConfig cfg = engine.config(role.dbName());
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
            engine.onTarget(role.dbName(), "creating the user for role \"" + roleName + "\"", t -> {
                try {
                    t.execute(statements);
                } catch (SQLException e) {
                    throw engine.logged(e, "creating user " + username + " for role " + roleName, templates, password,
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

    /**
     * Refuses a generated user name outside {@link #DatabaseEngine.SAFE_USERNAME} before any statement runs:
     * defence in depth behind the display-name cleaning, since the name lands in SQL text and the
     * username template may pass any token or claim value through.
     */
    static void checkGeneratedUsername(String username) {
        if (username.isEmpty() || !DatabaseEngine.SAFE_USERNAME.matcher(username).matches()
                || username.getBytes(StandardCharsets.UTF_8).length > DatabaseEngine.MAX_USERNAME_BYTES) {
            throw EngineException.badRequest("the user name generated by username_template must be 1 to "
                    + DatabaseEngine.MAX_USERNAME_BYTES + " characters from [A-Za-z0-9_.-]; the display name or role name put other"
                    + " characters in it");
        }
    }
}
