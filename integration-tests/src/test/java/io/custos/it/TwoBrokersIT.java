package io.custos.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.custos.testing.TestPostgres;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two broker processes on one storage database share the expiry work: 2,000 short leases, each
 * revoked exactly once (the revocation statements log every run in the target database).
 */
class TwoBrokersIT {
    private static final int LEASES = 2000;

    @TempDir
    Path dir;

    @Test
    void twoBrokersRevokeEachOfTwoThousandLeasesExactlyOnce() throws Exception {
        TestPostgres.Database storage = TestPostgres.shared().createDatabase();
        TestPostgres.Database target = TestPostgres.shared().createDatabase();
        try (Connection c = target.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE revocations (username text NOT NULL, at timestamptz DEFAULT now())");
        }
        int portA = BrokerProcess.freePort();
        int portB = BrokerProcess.freePort();
        ApiClient a = new ApiClient(HttpClient.newHttpClient(), "http://127.0.0.1:" + portA);
        ApiClient b = new ApiClient(HttpClient.newHttpClient(), "http://127.0.0.1:" + portB);
        Map<String, String> env = DatabaseTarget.env(storage, dir.resolve("dev"), Map.of());
        try (BrokerProcess first = DatabaseTarget.start(portA, env, dir)) {
            DatabaseTarget.configure(a, target, "short", "{\"db_name\":\"app\",\"creation_statements\":\"CREATE ROLE "
                    + "\\\"{{name}}\\\" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}'\","
                    + "\"revocation_statements\":\"INSERT INTO revocations (username) VALUES ('{{name}}'); "
                    + "DROP ROLE IF EXISTS \\\"{{name}}\\\";\",\"default_ttl\":\"4s\"}");
            try (BrokerProcess second = DatabaseTarget.start(portB, env, dir)) {
                ExecutorService pool = Executors.newFixedThreadPool(8);
                List<Future<?>> work = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    ApiClient api = t % 2 == 0 ? a : b;
                    work.add(pool.submit(() -> {
                        for (int i = 0; i < LEASES / 8; i++) {
                            api.call("GET", "database/creds/short", DatabaseTarget.ROOT, null, 200);
                        }
                        return null;
                    }));
                }
                for (Future<?> f : work) {
                    f.get();
                }
                pool.shutdown();
                assertTrue(DatabaseTarget.await(Duration.ofSeconds(120),
                        () -> DatabaseTarget.count(storage, "SELECT count(*) FROM custos_leases") == 0),
                        "leases left unrevoked");
                assertEquals(LEASES, DatabaseTarget.count(target, "SELECT count(*) FROM revocations"));
                assertEquals(LEASES, DatabaseTarget.count(target, "SELECT count(DISTINCT username) FROM revocations"));
                assertTrue(DatabaseTarget.roles(target, "v-root-short-").isEmpty());
                assertTrue(first.output().contains("Root Token") && second.output().contains("Root Token"));
            }
        }
    }
}
