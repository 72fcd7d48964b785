package io.custos.broker.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * PostgreSQL refusing connections mid-flight: requests answer 503 "storage is unavailable" within
 * the connect timeout (never a 500, never a hang), no data is lost, and service resumes by itself.
 */
@MicronautTest(transactional = false)
class StorageOutageTest extends BrokerHttpTest {

    @Override
    protected Map<String, String> extraProperties() {
        return Map.of("custos.storage.cache-enabled", "false", "custos.storage.connect-timeout-ms", "1000");
    }

    @Test
    void outageIs503AndRecoveryIsAutomatic() throws Exception {
        String token = initAndUnseal();
        call("POST", "sys/mounts/secret", token, "{\"type\":\"kv-v2\"}");
        call("POST", "secret/data/kept", token, "{\"data\":{\"v\":\"before\"}}");
        refuseConnections(true, false);
        try {
            Reply read = call("GET", "secret/data/kept", token, null);
            assertEquals(503, read.status());
            assertEquals("storage is unavailable", read.error());
            assertEquals(503, call("POST", "secret/data/kept", token, "{\"data\":{\"v\":\"during\"}}").status());
        } finally {
            refuseConnections(false, false);
        }
        // the pool reconnects on its own (its background fill may be mid back-off): within seconds
        Reply after = call("GET", "secret/data/kept", token, null);
        for (int i = 0; i < 50 && after.status() == 503; i++) {
            Thread.sleep(100);
            after = call("GET", "secret/data/kept", token, null);
        }
        assertEquals(200, after.status());
        assertEquals("before", after.json().get("data").get("data").get("v").asText());
        assertEquals(1, after.json().get("data").get("metadata").get("version").asInt());
    }
}
