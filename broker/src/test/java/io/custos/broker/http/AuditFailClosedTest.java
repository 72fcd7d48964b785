package io.custos.broker.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** An audit device that cannot write (a full disk: /dev/full) refuses every request and returns nothing. */
@MicronautTest(transactional = false)
class AuditFailClosedTest extends BrokerHttpTest {

    @Override
    protected Map<String, String> extraProperties() {
        return Map.of("custos.audit.devices.full.path", "/dev/full");
    }

    @Test
    void requestsAreRefusedAndNotExecutedWhenNoDeviceCanWrite() throws Exception {
        String token = initAndUnseal();
        Reply mount = call("POST", "sys/mounts/secret", token, "{\"type\":\"kv-v2\"}");
        assertEquals(500, mount.status());
        assertEquals("internal error", mount.error());
        Reply read = call("GET", "sys/mounts", token, null);
        assertEquals(500, read.status());
        assertEquals(1, read.json().size(), "only the error, no data");
        try (Connection c = db.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM custos_entries WHERE path = 'core/mounts'")) {
            rs.next();
            assertEquals(0, rs.getInt(1), "the refused mount was never made");
        }
        assertEquals(200, call("GET", "sys/health", null, null).status());
    }
}
