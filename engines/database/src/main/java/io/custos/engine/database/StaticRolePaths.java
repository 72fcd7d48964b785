package io.custos.engine.database;

import static io.custos.engine.database.DbFields.NAME;
import static io.custos.engine.database.DbFields.duration;
import static io.custos.engine.database.DbFields.list;
import static io.custos.engine.database.DbFields.str;
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
import io.custos.engine.sdk.FieldData;
import io.custos.engine.sdk.PathSpec;
import io.custos.engine.sdk.Response;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Static roles (OpenBao's {@code path_static_roles.go}): existing users whose password Custos
 * rotates on a period or a cron schedule, two-phase so a crash between ALTER and commit loses nothing.
 */
final class StaticRolePaths {
    private static final CronParser CRON = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));

    private final DatabaseEngine engine;
    private final EngineContext context;

    StaticRolePaths(DatabaseEngine engine, EngineContext context) {
        this.engine = engine;
        this.context = context;
    }

    List<PathSpec> paths() {
        return List.of(
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
                                    "static role \"" + n + "\" not found")), false);
                            return null;
                        })
                        .help("Rotates a static role's password now.", "")
                        .build());
    }

    Response writeStaticRole(FieldData d) {
        String name = d.getString("name");
        Optional<StaticRole> old = staticRole(name);
        String db = engine.pick(d, "db_name", old.map(StaticRole::dbName).orElse(null));
        String username = engine.pick(d, "username", old.map(StaticRole::username).orElse(null));
        if (db == null || db.isEmpty() || username == null || username.isEmpty()) {
            throw EngineException.badRequest("db_name and username are required");
        }
        if (old.isPresent() && !old.get().username().equals(username)) {
            throw EngineException.badRequest("cannot update static account username");
        }
        DbConfig cfg = engine.config(db);
        if (!cfg.allows(name)) {
            throw EngineException.badRequest("\"" + name + "\" is not an allowed role for connection \"" + db + "\"");
        }
        long period = d.has("rotation_period") ? d.getDuration("rotation_period").toSeconds()
                : old.map(StaticRole::rotationPeriod).orElse(0L);
        String schedule = engine.pick(d, "rotation_schedule", old.map(StaticRole::rotationSchedule).orElse(""));
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
                engine.listOr(d, "rotation_statements", old.map(StaticRole::rotationStatements)),
                old.map(StaticRole::password).orElse(null), old.map(StaticRole::lastRotation).orElse(0L),
                old.map(StaticRole::nextRotation).orElse(0L), null);
        if (old.isEmpty()) {
            rotateStatic(name, role, false); // Vault rotates a new static role at once, so Custos knows its password
        } else {
            long now = context.clock().instant().getEpochSecond();
            engine.store("static-roles/" + name, role.rotated(role.password(), role.lastRotation(), nextRotation(role,
                    role.lastRotation() == 0 ? now : role.lastRotation())));
        }
        return null;
    }

    Response readStaticRole(String name) {
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

    Response staticCreds(String name) {
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

    Optional<StaticRole> staticRole(String name) {
        return engine.load("static-roles/" + name, StaticRole.class);
    }

    /** Two-phase like the root: pending stored, ALTER, committed with the next rotation time. */
    /**
     * Rotates a static role's password, once at a time across every broker: under an advisory lock
     * in the target database, the role is read again and (for the schedule) rotated only if still
     * due, so two brokers never rotate it at once and a rotation another broker just finished is
     * not repeated. Two-phase: the new password is stored pending before the ALTER.
     */
    void rotateStatic(String name, StaticRole seen, boolean onlyIfDue) {
        DbConfig cfg = engine.config(seen.dbName());
        engine.onTarget(seen.dbName(), "rotating " + seen.username(), t -> {
            try (Connection c = t.connection()) {
                return PostgresTarget.locked(c, "custos-static-role:" + seen.username(), () -> {
                    long now = context.clock().instant().getEpochSecond();
                    // as stored now (another broker may have rotated it); a new role is not stored yet
                    StaticRole role = staticRole(name).orElse(onlyIfDue ? null : seen);
                    if (role == null || onlyIfDue && !due(role, now)) {
                        return null;
                    }
                    String next = context.system().generatePassword(cfg.passwordPolicy());
                    engine.store("static-roles/" + name, role.pending(next));
                    List<String> statements = Statements.parse(role.rotationStatements()).isEmpty()
                            ? DatabaseEngine.DEFAULT_ROTATION : Statements.parse(role.rotationStatements());
                    String forSql = cfg.scram() ? Scram.verifier(next) : next;
                    try {
                        PostgresTarget.runInTransaction(c, statements.stream()
                                .map(st -> Statements.render(st, role.username(), forSql, null)).toList());
                    } catch (SQLException e) {
                        throw engine.logged(e, "rotating static role " + name, statements, next, forSql);
                    }
                    engine.store("static-roles/" + name, role.rotated(next, now, nextRotation(role, now)));
                    return null;
                });
            }
        });
    }

    /** Due: its time has come, or a rotation was left half-done (a pending password). */
    static boolean due(StaticRole r, long now) {
        return r.pendingPassword() != null || r.nextRotation() <= now;
    }


    long nextRotation(StaticRole role, long from) {
        if (role.rotationPeriod() > 0) {
            return from + role.rotationPeriod();
        }
        ZonedDateTime at = ZonedDateTime.ofInstant(Instant.ofEpochSecond(from), ZoneOffset.UTC);
        return ExecutionTime.forCron(CRON.parse(role.rotationSchedule())).nextExecution(at)
                .map(z -> z.toEpochSecond()).orElse(Long.MAX_VALUE);
    }
}
