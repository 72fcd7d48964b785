package io.custos.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.custos.testing.TestPostgres;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three brokers on one PostgreSQL under load, and what faults leave behind: a broker killed with
 * SIGKILL (the others keep serving; every lease is revoked exactly once; no database user is
 * orphaned), and PostgreSQL crash-restarted (every broker recovers by itself, and their caches
 * follow changes again once their change feeds are back).
 */
class SeveralBrokersFaultsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ROOT = DatabaseTarget.ROOT;
    private static final String ROLE = "{\"db_name\":\"app\",\"creation_statements\":\"CREATE ROLE \\\"{{name}}\\\" "
            + "WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}'\",\"revocation_statements\":\"INSERT "
            + "INTO revocations (username) VALUES ('{{name}}'); DROP ROLE IF EXISTS \\\"{{name}}\\\";\","
            + "\"default_ttl\":\"4s\"}";

    @TempDir
    Path dir;

    private static List<ApiClient> clients(List<Integer> ports) {
        List<ApiClient> out = new ArrayList<>();
        for (int p : ports) {
            out.add(new ApiClient(HttpClient.newHttpClient(), "http://127.0.0.1:" + p));
        }
        return out;
    }

    @Test
    void aBrokerKilledUnderLoadLosesNoLeaseAndOrphansNoUser() throws Exception {
        TestPostgres.Database storage = TestPostgres.shared().createDatabase();
        TestPostgres.Database target = TestPostgres.shared().createDatabase();
        try (Connection c = target.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE revocations (username text NOT NULL, at timestamptz DEFAULT now())");
        }
        Map<String, String> env = DatabaseTarget.env(storage, dir.resolve("dev"), Map.of());
        List<Integer> ports = List.of(BrokerProcess.freePort(), BrokerProcess.freePort(), BrokerProcess.freePort());
        List<ApiClient> nodes = clients(ports);
        List<BrokerProcess> brokers = new ArrayList<>();
        try {
            for (int p : ports) {
                brokers.add(DatabaseTarget.start(p, env, dir));
            }
            DatabaseTarget.configure(nodes.get(0), target, "short", ROLE, "sev-{{random 12 | lowercase}}");
            for (ApiClient n : nodes) {
                assertTrue(DatabaseTarget.await(Duration.ofSeconds(5), () -> n.send("GET", "database/creds/short", ROOT,
                        null).statusCode() == 200), "the mount is served everywhere");
            }
            Set<String> received = ConcurrentHashMap.newKeySet();
            AtomicInteger survivorsFailed = new AtomicInteger();
            AtomicBoolean killed = new AtomicBoolean();
            AtomicBoolean stop = new AtomicBoolean();
            ExecutorService pool = Executors.newFixedThreadPool(6);
            for (int t = 0; t < 6; t++) {
                int node = t % 3;
                pool.submit(() -> {
                    while (!stop.get()) {
                        try {
                            HttpResponse<String> r = nodes.get(node).send("GET", "database/creds/short", ROOT, null);
                            if (r.statusCode() == 200) {
                                received.add(JSON.readTree(r.body()).get("data").get("username").asText());
                            } else if (node != 1) {
                                survivorsFailed.incrementAndGet();
                            }
                        } catch (Exception e) {
                            if (node != 1 || !killed.get()) {
                                survivorsFailed.incrementAndGet();
                            }
                        }
                    }
                    return null;
                });
            }
            Thread.sleep(1500);
            killed.set(true);
            brokers.get(1).kill(); // SIGKILL: no shutdown, leases it held in progress die with its connections
            Thread.sleep(3000);
            stop.set(true);
            pool.shutdown();
            assertTrue(pool.awaitTermination(60, TimeUnit.SECONDS));
            assertEquals(0, survivorsFailed.get(), "the surviving brokers kept serving");
            assertTrue(received.size() > 20, "too little load to mean anything: " + received.size());

            // every lease ends (TTL 4 s; the killed broker's pending issuances are rolled back by the others)
            assertTrue(DatabaseTarget.await(Duration.ofSeconds(90), () -> DatabaseTarget.roles(target, "sev-")
                    .isEmpty()), () -> "orphaned users: " + rolesOrEmpty(target));
            assertTrue(DatabaseTarget.await(Duration.ofSeconds(30), () -> DatabaseTarget.count(storage,
                    "SELECT count(*) FROM custos_leases") == 0), "leases left in storage");
            assertEquals(DatabaseTarget.count(target, "SELECT count(DISTINCT username) FROM revocations"),
                    DatabaseTarget.count(target, "SELECT count(*) FROM revocations"), "a lease revoked twice");
            Set<String> revoked = ConcurrentHashMap.newKeySet();
            try (Connection c = target.connect(); Statement s = c.createStatement();
                    var rs = s.executeQuery("SELECT username FROM revocations")) {
                while (rs.next()) {
                    revoked.add(rs.getString(1));
                }
            }
            assertTrue(revoked.containsAll(received), "every credential a client received was revoked by its lease");
            for (int n : List.of(0, 2)) {
                nodes.get(n).call("GET", "sys/health", null, null, 200);
            }
        } finally {
            for (BrokerProcess b : brokers) {
                b.close();
            }
        }
    }

    private static Set<String> rolesOrEmpty(TestPostgres.Database target) {
        try {
            return DatabaseTarget.roles(target, "sev-");
        } catch (Exception e) {
            return Set.of();
        }
    }

    @Test
    void everyBrokerRecoversByItselfWhenPostgresRestartsUnderLoad() throws Exception {
        TestPostgres dedicated = TestPostgres.dedicated();
        List<BrokerProcess> brokers = new ArrayList<>();
        try {
            TestPostgres.Database storage = dedicated.createDatabase();
            Map<String, String> env = DatabaseTarget.env(storage, dir.resolve("dev"), Map.of());
            List<Integer> ports = List.of(BrokerProcess.freePort(), BrokerProcess.freePort(), BrokerProcess.freePort());
            List<ApiClient> nodes = clients(ports);
            for (int p : ports) {
                brokers.add(DatabaseTarget.start(p, env, dir));
            }
            nodes.get(0).call("POST", "secret/data/restart", ROOT, "{\"data\":{\"v\":\"before\"}}", 200);
            for (ApiClient n : nodes) {
                assertTrue(DatabaseTarget.await(Duration.ofSeconds(5), () -> value(n).equals("before")));
            }
            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger failures = new AtomicInteger();
            ExecutorService pool = Executors.newFixedThreadPool(3);
            for (ApiClient n : nodes) {
                pool.submit(() -> {
                    while (!stop.get()) {
                        try {
                            if (n.send("GET", "secret/data/restart", ROOT, null).statusCode() != 200) {
                                failures.incrementAndGet();
                            }
                        } catch (Exception e) {
                            failures.incrementAndGet();
                        }
                    }
                    return null;
                });
            }
            Thread.sleep(1000);
            dedicated.restartImmediately();
            Thread.sleep(1000);
            stop.set(true);
            pool.shutdown();
            assertTrue(pool.awaitTermination(60, TimeUnit.SECONDS));
            // each broker answers again by itself: reads, token lookups, writes
            for (ApiClient n : nodes) {
                assertTrue(DatabaseTarget.await(Duration.ofSeconds(30), () -> n.send("GET", "auth/token/lookup-self",
                        ROOT, null).statusCode() == 200), "a broker did not recover");
            }
            // and their caches follow changes again: a write on one node reaches the others
            nodes.get(2).call("POST", "secret/data/restart", ROOT, "{\"data\":{\"v\":\"after\"}}", 200);
            for (ApiClient n : nodes) {
                assertTrue(DatabaseTarget.await(Duration.ofSeconds(10), () -> value(n).equals("after")),
                        "a broker kept serving the value from before the restart");
            }
        } finally {
            for (BrokerProcess b : brokers) {
                b.close();
            }
            dedicated.stop();
        }
    }

    private static String value(ApiClient n) throws Exception {
        HttpResponse<String> r = n.send("GET", "secret/data/restart", ROOT, null);
        if (r.statusCode() != 200) {
            return "";
        }
        JsonNode j = JSON.readTree(r.body());
        return j.get("data").get("data").get("v").asText();
    }
}
