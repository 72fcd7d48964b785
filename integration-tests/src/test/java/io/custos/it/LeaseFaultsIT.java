package io.custos.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.custos.testing.TestPostgres;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash safety of dynamic credentials with real processes: the broker killed between creating
 * the database user and committing its lease, and the target PostgreSQL crash-restarted in the
 * middle of concurrent issuance. Afterwards no user exists that no lease will revoke, and a
 * user created VALID UNTIL its lease's end cannot log in after it even with every broker down.
 */
class LeaseFaultsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ROLE_JSON = "{\"db_name\":\"app\",\"creation_statements\":\"CREATE ROLE "
            + "\\\"{{name}}\\\" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}'\",\"default_ttl\":\"%s\"}";

    @TempDir
    Path dir;

    @Test
    void brokerKilledBetweenRoleCreationAndLeaseCommitLeavesNoOrphan() throws Exception {
        TestPostgres.Database storage = TestPostgres.shared().createDatabase();
        TestPostgres.Database target = TestPostgres.shared().createDatabase();
        int port = BrokerProcess.freePort();
        ApiClient api = new ApiClient(HttpClient.newHttpClient(), "http://127.0.0.1:" + port);
        try (BrokerProcess b = DatabaseTarget.start(port, DatabaseTarget.env(storage, dir.resolve("dev"), Map.of()), dir)) {
            DatabaseTarget.configure(api, target, "crash", String.format(ROLE_JSON, "1h"));
        }
        // the crash point, from outside the broker: a trigger holds the lease's activation (its commit)
        // for a few seconds, and the broker is killed (SIGKILL) while it waits there — after the user
        // was created. The broker carries no fault hook; the killed backend's transaction is rolled back.
        try (Connection c = storage.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE FUNCTION custos_test_stall() RETURNS trigger LANGUAGE plpgsql AS "
                    + "$$ BEGIN PERFORM pg_sleep(4); RETURN NEW; END $$");
            s.execute("CREATE TRIGGER custos_test_stall BEFORE UPDATE ON custos_leases FOR EACH ROW "
                    + "WHEN (OLD.state = 0 AND NEW.state = 1) EXECUTE FUNCTION custos_test_stall()");
        }
        try (BrokerProcess b = DatabaseTarget.start(port, DatabaseTarget.env(storage, dir.resolve("dev"), Map.of()),
                dir)) {
            CompletableFuture<?> request = CompletableFuture.runAsync(() -> {
                try {
                    api.send("GET", "database/creds/crash", DatabaseTarget.ROOT, null);
                } catch (Exception e) {
                    // the broker is killed under it
                }
            });
            assertTrue(DatabaseTarget.await(Duration.ofSeconds(30), () -> DatabaseTarget.roles(target, "v-root-crash-")
                    .size() == 1 && DatabaseTarget.count(storage, "SELECT count(*) FROM pg_stat_activity WHERE query "
                    + "LIKE 'UPDATE custos_leases SET state = 1%' AND state = 'active'") == 1), "never reached the commit");
            b.kill();
            request.get(30, TimeUnit.SECONDS);
        }
        try (Connection c = storage.connect(); Statement s = c.createStatement()) {
            s.execute("DROP TRIGGER custos_test_stall ON custos_leases");
            s.execute("DROP FUNCTION custos_test_stall()");
        }
        Set<String> created = DatabaseTarget.roles(target, "v-root-crash-");
        assertEquals(1, created.size(), "the user was created before the crash");
        assertEquals(1, DatabaseTarget.count(storage, "SELECT count(*) FROM custos_leases WHERE state = 0"),
                "a pending lease was recorded before the user");

        try (BrokerProcess b = DatabaseTarget.start(port, DatabaseTarget.env(storage, dir.resolve("dev"), Map.of()),
                dir)) {
            assertTrue(DatabaseTarget.await(Duration.ofSeconds(30),
                    () -> DatabaseTarget.roles(target, "v-root-crash-").isEmpty()), "the orphan was not rolled back");
            assertEquals(0, DatabaseTarget.count(storage, "SELECT count(*) FROM custos_leases"));
        }
    }

    @Test
    void targetRestartedDuringIssuanceLeavesEveryUserWithALease() throws Exception {
        restartDuringIssuance(false);
    }

    @Test
    void storageAndTargetRestartedTogetherDuringIssuanceLeaveEveryUserWithALease() throws Exception {
        restartDuringIssuance(true);
    }

    /** Concurrent issuance while the target's server (and, if asked, the broker's storage on it) crash-restarts. */
    private void restartDuringIssuance(boolean storageToo) throws Exception {
        TestPostgres dedicated = TestPostgres.dedicated();
        try {
            TestPostgres.Database storage = storageToo ? dedicated.createDatabase() : TestPostgres.shared().createDatabase();
            TestPostgres.Database target = dedicated.admin();
            int port = BrokerProcess.freePort();
            ApiClient api = new ApiClient(HttpClient.newHttpClient(), "http://127.0.0.1:" + port);
            try (BrokerProcess b = DatabaseTarget.start(port, DatabaseTarget.env(storage, dir.resolve("dev"), Map.of()),
                    dir)) {
                DatabaseTarget.configure(api, target, "flaky", String.format(ROLE_JSON, "1h"));
                Map<String, String> issued = new ConcurrentHashMap<>(); // username -> lease id
                AtomicInteger failures = new AtomicInteger();
                AtomicBoolean stop = new AtomicBoolean();
                ExecutorService pool = Executors.newFixedThreadPool(6);
                for (int t = 0; t < 6; t++) {
                    pool.submit(() -> {
                        while (!stop.get()) {
                            try {
                                HttpResponse<String> r = api.send("GET", "database/creds/flaky", DatabaseTarget.ROOT, null);
                                if (r.statusCode() == 200) {
                                    JsonNode j = JSON.readTree(r.body());
                                    issued.put(j.get("data").get("username").asText(), j.get("lease_id").asText());
                                } else {
                                    failures.incrementAndGet();
                                }
                            } catch (Exception e) {
                                failures.incrementAndGet();
                            }
                        }
                        return null;
                    });
                }
                Thread.sleep(1500);
                dedicated.restartImmediately();
                Thread.sleep(2500);
                stop.set(true);
                pool.shutdown();
                assertTrue(pool.awaitTermination(60, TimeUnit.SECONDS));
                assertTrue(failures.get() > 0, "the restart interrupted no issuance");
                // with storage restarted too, the broker must still serve once PostgreSQL is back
                assertTrue(DatabaseTarget.await(Duration.ofSeconds(30), () -> {
                    HttpResponse<String> r = api.send("GET", "database/creds/flaky", DatabaseTarget.ROOT, null);
                    if (r.statusCode() == 200) {
                        JsonNode j = JSON.readTree(r.body());
                        issued.put(j.get("data").get("username").asText(), j.get("lease_id").asText());
                    }
                    return r.statusCode() == 200;
                }), "issuance did not recover after the restart");
                assertTrue(issued.size() > 10, "issuance did not resume: " + issued.size());

                // pending issuances are all resolved (rolled back) once the servers are back
                assertTrue(DatabaseTarget.await(Duration.ofSeconds(60), () -> DatabaseTarget.count(storage,
                        "SELECT count(*) FROM custos_leases WHERE state <> 1") == 0), "pending leases left");
                // every credential a client received is a live user with its lease
                assertTrue(DatabaseTarget.roles(target, "v-root-flaky-").containsAll(issued.keySet()));
                for (String lease : issued.values()) {
                    api.call("PUT", "sys/leases/lookup", DatabaseTarget.ROOT, "{\"lease_id\":\"" + lease + "\"}", 200);
                }
                if (!storageToo) {
                    // with storage up, a user whose delivery failed is rolled back at once
                    assertTrue(DatabaseTarget.await(Duration.ofSeconds(60), () -> issued.keySet().containsAll(
                            DatabaseTarget.roles(target, "v-root-flaky-"))),
                            () -> "users without a delivered lease: " + orphans(target, issued));
                }
                // when storage died during an activation's COMMIT, the lease may be active although the
                // client saw an error: its user lives until the lease ends. The decisive check: revoking
                // every lease leaves no user behind, so every user has a lease that will revoke it.
                api.call("PUT", "sys/leases/revoke-prefix/database/creds/flaky", DatabaseTarget.ROOT,
                        "{\"sync\":true}", 204);
                assertTrue(DatabaseTarget.roles(target, "v-root-flaky-").isEmpty());
            }
        } finally {
            dedicated.stop();
        }
    }

    private static Set<String> orphans(TestPostgres.Database target, Map<String, String> issued) {
        try {
            Set<String> roles = DatabaseTarget.roles(target, "v-root-flaky-");
            roles.removeAll(issued.keySet());
            return roles;
        } catch (SQLException e) {
            return Set.of("(cannot list: " + e.getMessage() + ")");
        }
    }

    @Test
    void validUntilRefusesLoginAfterExpiryWithTheBrokerStopped() throws Exception {
        TestPostgres.Database storage = TestPostgres.shared().createDatabase();
        TestPostgres.Database target = TestPostgres.shared().createDatabase();
        int port = BrokerProcess.freePort();
        ApiClient api = new ApiClient(HttpClient.newHttpClient(), "http://127.0.0.1:" + port);
        JsonNode creds;
        try (BrokerProcess b = DatabaseTarget.start(port, DatabaseTarget.env(storage, dir.resolve("dev"), Map.of()),
                dir)) {
            DatabaseTarget.configure(api, target, "brief", String.format(ROLE_JSON, "3s"));
            creds = api.call("GET", "database/creds/brief", DatabaseTarget.ROOT, null, 200).get("data");
            try (Connection c = DriverManager.getConnection(target.jdbcUrl(), creds.get("username").asText(),
                    creds.get("password").asText())) {
                assertTrue(c.isValid(2));
            }
        } // the broker is gone: no worker will drop the user
        Thread.sleep(4000);
        assertFalse(DatabaseTarget.roles(target, creds.get("username").asText()).isEmpty(), "the user still exists");
        SQLException refused = assertThrows(SQLException.class, () -> DriverManager.getConnection(target.jdbcUrl(),
                creds.get("username").asText(), creds.get("password").asText()).close());
        assertEquals("28P01", refused.getSQLState());
        try (BrokerProcess b = DatabaseTarget.start(port, DatabaseTarget.env(storage, dir.resolve("dev"), Map.of()),
                dir)) {
            assertTrue(DatabaseTarget.await(Duration.ofSeconds(30),
                    () -> DatabaseTarget.roles(target, "v-root-brief-").isEmpty()), "expired user not dropped after restart");
        }
    }
}
