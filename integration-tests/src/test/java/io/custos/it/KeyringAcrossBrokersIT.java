package io.custos.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.custos.testing.TestPostgres;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three broker processes on one database rotate the keyring while the others write, and are
 * killed (SIGKILL) and restarted in between; automatic rotation runs on all three at once with a
 * tiny budget. Afterwards every value written is readable from every node, the stored terms are
 * contiguous, and a node started fresh unseals and reads everything. (Before terms were stored
 * one row each, the second node answered 500 after the first rotation and a restart lost data.)
 */
class KeyringAcrossBrokersIT {
    @TempDir
    Path dir;

    @Test
    void rotationsOnEveryNodeWhileTheOthersWriteLoseNothing() throws Exception {
        TestPostgres.Database storage = TestPostgres.shared().createDatabase();
        Map<String, String> env = DatabaseTarget.env(storage, dir.resolve("dev"), Map.of(
                "CUSTOS_STORAGE_CACHE_ENABLED", "false",
                "CUSTOS_BARRIER_MAINTENANCE_INTERVAL", "300ms",
                "CUSTOS_BARRIER_ROTATION_MAX_ENCRYPTIONS", "150"));
        int[] ports = {BrokerProcess.freePort(), BrokerProcess.freePort(), BrokerProcess.freePort()};
        ApiClient[] api = new ApiClient[3];
        BrokerProcess[] node = new BrokerProcess[3];
        for (int i = 0; i < 3; i++) {
            api[i] = new ApiClient(HttpClient.newHttpClient(), "http://127.0.0.1:" + ports[i]);
            node[i] = DatabaseTarget.start(ports[i], env, dir); // one after the other: the first initialises
        }
        Map<String, String> written = new ConcurrentHashMap<>();
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        try {
            // a rotation on A is read at once on B (B meets an unknown term and reloads)
            api[0].call("POST", "secret/data/first", DatabaseTarget.ROOT, "{\"data\":{\"v\":\"one\"}}", 200);
            api[0].call("POST", "sys/rotate", DatabaseTarget.ROOT, null, 204);
            api[0].call("POST", "secret/data/after-rotate", DatabaseTarget.ROOT, "{\"data\":{\"v\":\"two\"}}", 200);
            assertEquals("two", value(api[1], "after-rotate"));
            written.put("first", "one");
            written.put("after-rotate", "two");

            for (int round = 0; round < 6; round++) {
                int rotator = round % 3;
                AtomicBoolean stop = new AtomicBoolean();
                List<Thread> writers = new ArrayList<>();
                for (int w = 0; w < 3; w++) {
                    if (w == rotator) {
                        continue;
                    }
                    int writer = w;
                    int r = round;
                    Thread t = new Thread(() -> {
                        for (int n = 0; !stop.get(); n++) {
                            String key = "r" + r + "-n" + writer + "-" + n;
                            try {
                                HttpResponse<String> resp = api[writer].send("POST", "secret/data/" + key,
                                        DatabaseTarget.ROOT, "{\"data\":{\"v\":\"" + key + "\"}}");
                                if (resp.statusCode() == 200) {
                                    written.put(key, key);
                                } else {
                                    failures.add(key + " -> " + resp.statusCode() + " " + resp.body());
                                }
                            } catch (Exception e) {
                                failures.add(key + " -> " + e);
                            }
                        }
                    });
                    t.start();
                    writers.add(t);
                }
                for (int k = 0; k < 3; k++) {
                    api[rotator].call("POST", "sys/rotate", DatabaseTarget.ROOT, null, 204);
                    Thread.sleep(150);
                }
                stop.set(true);
                for (Thread t : writers) {
                    t.join();
                }
                // a crash between rounds: the next rotator's neighbour dies and comes back
                int victim = (rotator + 1) % 3;
                node[victim].kill();
                node[victim] = DatabaseTarget.start(ports[victim], env, dir);
            }
            assertTrue(failures.isEmpty(), "writes failed: " + failures);
            assertTrue(written.size() > 100, "too few writes to prove anything: " + written.size());
            for (int i = 0; i < 3; i++) {
                for (Map.Entry<String, String> e : written.entrySet()) {
                    assertEquals(e.getValue(), value(api[i], e.getKey()), "node " + i + " reading " + e.getKey());
                }
            }
            // one statement: automatic rotation may add a term at any moment on the live nodes
            assertEquals(0, DatabaseTarget.count(storage, "SELECT max(term) - count(*) FROM custos_keyring_terms"),
                    "terms are 1..n without gaps");
            long terms = DatabaseTarget.count(storage, "SELECT count(*) FROM custos_keyring_terms");
            assertTrue(terms >= 20, "rotations: " + terms);
        } finally {
            for (BrokerProcess b : node) {
                b.kill();
            }
        }
        // every node dead, storage only: a new node unseals and reads everything
        try (BrokerProcess fresh = DatabaseTarget.start(ports[0], env, dir)) {
            for (Map.Entry<String, String> e : written.entrySet()) {
                assertEquals(e.getValue(), value(api[0], e.getKey()), "fresh node reading " + e.getKey());
            }
        }
    }

    private static String value(ApiClient api, String key) throws Exception {
        JsonNode r = api.call("GET", "secret/data/" + key, DatabaseTarget.ROOT, null, 200);
        return r.get("data").get("data").get("v").asText();
    }
}
