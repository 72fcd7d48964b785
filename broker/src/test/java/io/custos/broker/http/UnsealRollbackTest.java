package io.custos.broker.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.sql.Connection;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/**
 * An unseal whose follow-up steps fail (here: the mount table fails its integrity check) leaves
 * the node sealed, not half-open with keys loaded and tables missing.
 */
@MicronautTest(transactional = false)
class UnsealRollbackTest extends BrokerHttpTest {

    @Test
    void anUnsealThatCannotLoadTheMountTableStaysSealed() throws Exception {
        Reply init = call("POST", "sys/init", null, "{\"secret_shares\":1,\"secret_threshold\":1}");
        String key = init.json().get("keys_base64").get(0).asText();
        String root = init.json().get("root_token").asText();
        call("POST", "sys/unseal", null, "{\"key\":\"" + key + "\"}");
        assertEquals(204, call("POST", "sys/mounts/secret", root, "{\"type\":\"kv-v2\"}").status());
        assertEquals(204, call("POST", "sys/seal", root, null).status());
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            // flip one byte of the stored mount table's ciphertext
            assertEquals(1, s.executeUpdate("UPDATE custos_entries SET value = overlay(value placing "
                    + "decode(lpad(to_hex(get_byte(value, 80) # 1), 2, '0'), 'hex') from 81 for 1) "
                    + "WHERE path = 'core/mounts'"));
        }
        Reply unseal = call("POST", "sys/unseal", null, "{\"key\":\"" + key + "\"}");
        assertEquals(500, unseal.status());
        assertTrue(call("GET", "sys/seal-status", null, null).json().get("sealed").asBoolean(),
                "the node went back to sealed");
        assertEquals(503, call("GET", "sys/mounts", root, null).status());
    }
}
