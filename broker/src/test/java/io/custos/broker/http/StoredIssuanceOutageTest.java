package io.custos.broker.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.custos.broker.storage.ChangeFeed;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A certificate answered on the I/O thread is committed before its answer: with PostgreSQL
 * refusing the broker's pool (its change feed still listening, so the caches stay trusted and the
 * request is answered from memory up to the write), issuance is a 503 "storage is unavailable"
 * that carries no certificate, and once PostgreSQL is back every certificate answered is stored.
 */
@MicronautTest(transactional = false)
class StoredIssuanceOutageTest extends BrokerHttpTest {
    @Inject
    ChangeFeed feed;

    @Override
    protected Map<String, String> extraProperties() {
        return Map.of("custos.storage.connect-timeout-ms", "1000");
    }

    @Test
    void aCertificateThatCannotBeStoredIsNeverAnswered() throws Exception {
        String root = initAndUnseal();
        call("POST", "sys/mounts/pki", root, "{\"type\":\"pki\"}");
        call("POST", "pki/root/generate/internal", root, "{\"common_name\":\"Root\",\"key_type\":\"ec\"}");
        call("POST", "pki/roles/stored", root, "{\"allow_any_name\":true,\"key_type\":\"ec\",\"ttl\":\"1h\"}");
        // the notification of the role's own write drops the engine's decoded role when it arrives: it must
        // have arrived before the role is warmed (on a busy machine it came after, and the role was read again)
        assertTrue(feed.caughtUp(Duration.ofSeconds(10)), "the change feed heard the set-up");
        Set<String> answered = new HashSet<>();
        for (int i = 0; i < 3; i++) { // the token, role and issuer in memory
            answered.add(call("POST", "pki/issue/stored", root, "{\"common_name\":\"warm.example.com\"}")
                    .json().get("data").get("serial_number").asText());
        }
        refuseConnections(true, true);
        try {
            double tried = ioThreadCount(root, "answered");
            Reply refused = call("POST", "pki/issue/stored", root, "{\"common_name\":\"down.example.com\"}");
            assertEquals(tried + 1, ioThreadCount(root, "answered"), "answered from memory up to its record");
            assertEquals(503, refused.status());
            assertEquals("storage is unavailable", refused.error());
            assertFalse(refused.json().has("data") && refused.json().get("data").has("certificate"),
                    "no certificate leaves without its record");
        } finally {
            refuseConnections(false, true);
        }
        Reply after = call("POST", "pki/issue/stored", root, "{\"common_name\":\"up.example.com\"}");
        for (int i = 0; i < 50 && after.status() == 503; i++) {
            Thread.sleep(100); // the pool reconnects on its own, within its back-off
            after = call("POST", "pki/issue/stored", root, "{\"common_name\":\"up.example.com\"}");
        }
        assertEquals(200, after.status());
        answered.add(after.json().get("data").get("serial_number").asText());
        Set<String> stored = new HashSet<>();
        for (JsonNode k : call("LIST", "pki/certs", root, null).json().get("data").get("keys")) {
            stored.add(k.asText());
        }
        assertTrue(stored.containsAll(answered), "every certificate answered is stored: " + answered + " in " + stored);
    }
}
