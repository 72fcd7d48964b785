package io.custos.broker.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A keyring term that reaches its encryption budget is replaced without anyone calling sys/rotate. */
@MicronautTest(transactional = false)
class AutomaticRotationTest extends BrokerHttpTest {

    @Override
    protected Map<String, String> extraProperties() {
        return Map.of("custos.barrier.rotation-max-encryptions", "25", "custos.barrier.maintenance-interval", "200ms");
    }

    @Test
    void rotatesAfterTheConfiguredNumberOfEncryptionsAndRewrapsOldEntries() throws Exception {
        String token = initAndUnseal();
        call("POST", "sys/mounts/secret", token, "{\"type\":\"kv-v2\"}");
        int start = call("GET", "sys/key-status", token, null).json().get("data").get("term").asInt();
        for (int i = 0; i < 30; i++) {
            call("POST", "secret/data/k" + i, token, "{\"data\":{\"v\":\"" + i + "\"}}");
        }
        long deadline = System.nanoTime() + 15_000_000_000L;
        int term = start;
        long pending = -1;
        while (System.nanoTime() < deadline && (term == start || pending != 0)) {
            Thread.sleep(100);
            Reply status = call("GET", "sys/key-status", token, null);
            term = status.json().get("data").get("term").asInt();
            pending = status.json().get("data").get("rewrap").get("pending_entries").asLong();
        }
        assertTrue(term > start, "term should have advanced from " + start);
        assertEquals(0, pending);
        try (Connection c = db.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT min(key_term) FROM custos_entries")) {
            rs.next();
            assertTrue(rs.getInt(1) > start, "no entry left under the first term");
        }
        for (int i = 0; i < 30; i++) {
            assertEquals(String.valueOf(i), call("GET", "secret/data/k" + i, token, null).json()
                    .get("data").get("data").get("v").asText());
        }
    }
}
