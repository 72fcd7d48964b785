package io.custos.engine.database;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.custos.engine.sdk.EngineContext;
import io.custos.engine.sdk.EngineException;
import io.custos.engine.sdk.InMemoryStorage;
import io.custos.engine.sdk.Json;
import io.custos.engine.sdk.MutableClock;
import io.custos.engine.sdk.Operation;
import io.custos.engine.sdk.Request;
import io.custos.engine.sdk.Response;
import io.custos.engine.sdk.StorageView;
import io.custos.testing.TestPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Root and static credential rotation against a real PostgreSQL: the new password works and the
 * old one stops working; with a failure injected between ALTER and commit the config keeps
 * working; after a "crash" there, the next use adopts the pending password; static roles rotate
 * on schedule, also from a fresh engine instance over the same storage (a restarted broker).
 */
class RotationTest {
    private final TestPostgres.Database db = TestPostgres.shared().createDatabase();
    private final InMemoryStorage storage = new InMemoryStorage();
    private final FaultyStorage faulty = new FaultyStorage();
    private String rootUser;
    private String rootPassword;

    @BeforeEach
    void createRootUser() throws SQLException {
        rootUser = "custos_root_" + UUID.randomUUID().toString().substring(0, 8);
        rootPassword = "initial-" + UUID.randomUUID();
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE ROLE " + rootUser + " LOGIN CREATEROLE PASSWORD '" + rootPassword + "'");
        }
    }

    private DatabaseEngine engine(Clock clock) {
        return new DatabaseEngine(new EngineContext("database/", faulty, Map.of(), clock));
    }

    private Response call(DatabaseEngine e, Operation op, String path, Map<String, Object> data) {
        return e.handle(new Request(op, path, new HashMap<>(data)));
    }

    private void configure(DatabaseEngine e) {
        call(e, Operation.UPDATE, "config/pg", Map.of("plugin_name", "postgresql-database-plugin",
                "connection_url", "postgresql://{{username}}:{{password}}@" + db.host() + ":" + db.port() + "/"
                        + db.name() + "?sslmode=disable",
                "username", rootUser, "password", rootPassword, "allowed_roles", "*"));
    }

    private boolean logsIn(String user, String password) {
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), user, password)) {
            return c.isValid(2);
        } catch (SQLException e) {
            return false;
        }
    }

    private DbConfig stored() {
        return Json.read(storage.get("config/pg").orElseThrow(), DbConfig.class);
    }

    @Test
    void rootRotationReplacesThePassword() {
        DatabaseEngine e = engine(Clock.systemUTC());
        configure(e);
        call(e, Operation.UPDATE, "rotate-root/pg", Map.of());
        String now = stored().password();
        assertNotEquals(rootPassword, now);
        assertNull(stored().pendingPassword());
        assertTrue(logsIn(rootUser, now));
        assertTrue(!logsIn(rootUser, rootPassword), "the old root password still works");
        call(e, Operation.UPDATE, "config/pg", Map.of("username", rootUser)); // verify_connection with the new password
    }

    /**
     * Two brokers (two engine instances over one storage) rotating the same root at once: the
     * rotations take turns (an advisory lock in the target), so each builds on the last and the
     * stored password is the one that logs in, with nothing left pending.
     */
    @Test
    void rootRotationsOnTwoBrokersAtOnceTakeTurns() throws Exception {
        DatabaseEngine a = engine(Clock.systemUTC());
        DatabaseEngine b = engine(Clock.systemUTC());
        configure(a);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<?>> runs = new ArrayList<>();
            for (DatabaseEngine e : List.of(a, b)) {
                runs.add(pool.submit(() -> {
                    for (int i = 0; i < 4; i++) {
                        call(e, Operation.UPDATE, "rotate-root/pg", Map.of());
                    }
                    return null;
                }));
            }
            for (Future<?> f : runs) {
                f.get(); // every rotation succeeded
            }
        } finally {
            pool.shutdownNow();
        }
        assertNull(stored().pendingPassword());
        assertTrue(logsIn(rootUser, stored().password()), "the stored root password is the one in force");
    }

    @Test
    void aFailureBetweenAlterAndCommitLeavesAWorkingConfig() {
        DatabaseEngine e = engine(Clock.systemUTC());
        configure(e);
        // the write that commits the new password fails (after the ALTER and the login with it)
        faulty.failWrite("config/pg", 2, () -> {
            throw new IllegalStateException("injected: storage unavailable");
        });
        EngineException failed = assertThrows(EngineException.class,
                () -> call(e, Operation.UPDATE, "rotate-root/pg", Map.of()));
        assertTrue(failed.getMessage().contains("undone"), failed.getMessage());
        assertEquals(rootPassword, stored().password());
        assertNull(stored().pendingPassword());
        assertTrue(logsIn(rootUser, rootPassword), "the old password must keep working");
        assertDoesNotThrow(() -> call(e, Operation.UPDATE, "config/pg", Map.of("username", rootUser)));
    }

    @Test
    void aCrashBetweenAlterAndCommitIsRecoveredFromThePendingPassword() throws SQLException {
        DatabaseEngine e = engine(Clock.systemUTC());
        configure(e);
        faulty.failWrite("config/pg", 2, () -> {
            throw new Crash(); // an Error: nothing catches it, as nothing runs after a crash
        });
        assertThrows(Crash.class, () -> call(e, Operation.UPDATE, "rotate-root/pg", Map.of()));
        String pending = stored().pendingPassword();
        assertNotNull(pending);
        assertTrue(!logsIn(rootUser, rootPassword) && logsIn(rootUser, pending));
        // a restarted broker: a fresh engine over the same storage still reaches the database
        DatabaseEngine restarted = engine(Clock.systemUTC());
        call(restarted, Operation.UPDATE, "static-roles/app", Map.of("db_name", "pg", "username", createUser(),
                "rotation_period", "1h"));
        assertEquals(pending, stored().password());
        assertNull(stored().pendingPassword());
    }

    static final class Crash extends Error {
    }

    private String createUser() throws SQLException {
        String user = "static_" + UUID.randomUUID().toString().substring(0, 8);
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE ROLE " + user + " LOGIN PASSWORD 'before-custos'");
            // PostgreSQL 16+: a CREATEROLE user may alter only roles it administers
            s.execute("GRANT " + user + " TO " + rootUser + " WITH ADMIN OPTION");
        }
        return user;
    }

    @Test
    void staticRolesRotateOnScheduleAndAcrossRestarts() throws SQLException {
        String user = createUser();
        MutableClock clock = new MutableClock(Instant.now());
        DatabaseEngine e = engine(clock);
        configure(e);
        call(e, Operation.UPDATE, "static-roles/app", Map.of("db_name", "pg", "username", user,
                "rotation_period", "10m"));
        Map<String, Object> first = call(e, Operation.READ, "static-creds/app", Map.of()).data();
        assertEquals(user, first.get("username"));
        assertTrue(logsIn(user, (String) first.get("password")));
        assertTrue(!logsIn(user, "before-custos"));
        assertEquals(600L, ((Number) first.get("ttl")).longValue(), 2);

        e.periodic(clock.instant());
        assertEquals(first.get("password"), call(e, Operation.READ, "static-creds/app", Map.of()).data().get("password"));

        clock.advance(Duration.ofSeconds(601));
        DatabaseEngine restarted = engine(clock); // the schedule is in storage, not in memory
        restarted.periodic(clock.instant());
        Map<String, Object> second = call(restarted, Operation.READ, "static-creds/app", Map.of()).data();
        assertNotEquals(first.get("password"), second.get("password"));
        assertTrue(logsIn(user, (String) second.get("password")));
        assertTrue(!logsIn(user, (String) first.get("password")));

        call(restarted, Operation.UPDATE, "rotate-role/app", Map.of());
        String third = (String) call(restarted, Operation.READ, "static-creds/app", Map.of()).data().get("password");
        assertNotEquals(second.get("password"), third);
        assertTrue(logsIn(user, third));
    }

    @Test
    void cronSchedulesAreHonoured() throws SQLException {
        String user = createUser();
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T10:07:00Z"));
        DatabaseEngine e = engine(clock);
        configure(e);
        call(e, Operation.UPDATE, "static-roles/cron", Map.of("db_name", "pg", "username", user,
                "rotation_schedule", "0 * * * *"));
        assertEquals(53 * 60L, ((Number) call(e, Operation.READ, "static-creds/cron", Map.of()).data().get("ttl"))
                .longValue());
        assertThrows(EngineException.class, () -> call(e, Operation.UPDATE, "static-roles/bad", Map.of("db_name", "pg",
                "username", user, "rotation_schedule", "not a cron")));
        assertThrows(EngineException.class, () -> call(e, Operation.UPDATE, "static-roles/both", Map.of("db_name", "pg",
                "username", user, "rotation_schedule", "0 * * * *", "rotation_period", "1h")));
    }

    /**
     * The engine's storage, where one write can be armed to fail: the stand-in for an outage or a
     * crash at a chosen point (test scope only; the engine carries no fault hooks).
     */
    private final class FaultyStorage implements StorageView {
        private String key;
        private int countdown;
        private Runnable fault;

        /** The {@code nth} write of {@code key} from now runs {@code fault} (which throws) instead. */
        void failWrite(String key, int nth, Runnable fault) {
            this.key = key;
            this.countdown = nth;
            this.fault = fault;
        }

        @Override
        public Optional<byte[]> get(String k) {
            return storage.get(k);
        }

        @Override
        public void put(String k, byte[] value) {
            if (fault != null && k.equals(key) && --countdown == 0) {
                Runnable f = fault;
                fault = null;
                f.run();
            }
            storage.put(k, value);
        }

        @Override
        public void delete(String k) {
            storage.delete(k);
        }

        @Override
        public boolean compareAndPut(String k, Optional<byte[]> expected, byte[] value) {
            return storage.compareAndPut(k, expected, value);
        }

        @Override
        public List<String> list(String prefix) {
            return storage.list(prefix);
        }
    }
}
