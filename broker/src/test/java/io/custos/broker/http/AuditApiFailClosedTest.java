package io.custos.broker.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * A device enabled through the API is stored: it is back after the node seals and unseals, and
 * while it is the only device and cannot write, every request is refused (fail closed).
 */
@MicronautTest(transactional = false)
class AuditApiFailClosedTest extends BrokerHttpTest {

    @Test
    void theStoredDeviceComesBackAfterUnsealAndRefusesRequestsWhileItCannotWrite() throws Exception {
        Reply init = call("POST", "sys/init", null, "{\"secret_shares\":1,\"secret_threshold\":1}");
        String key = init.json().get("keys_base64").get(0).asText();
        call("POST", "sys/unseal", null, "{\"key\":\"" + key + "\"}");
        String token = init.json().get("root_token").asText();
        Path file = Files.createTempDirectory("custos-audit-closed").resolve("a.log");
        assertEquals(204, call("PUT", "sys/audit/a", token,
                "{\"type\":\"file\",\"options\":{\"file_path\":\"" + file + "\"}}").status());

        assertEquals(204, call("PUT", "sys/seal", token, null).status());
        Files.delete(file);
        Files.createDirectory(file); // the device's file is now a directory: it cannot be opened
        call("POST", "sys/unseal", null, "{\"key\":\"" + key + "\"}");
        Reply refused = call("POST", "sys/mounts/secret", token, "{\"type\":\"kv-v2\"}");
        assertEquals(500, refused.status());
        assertEquals("internal error", refused.error());
        assertEquals(500, call("GET", "sys/mounts", token, null).status(), "still refused");

        Files.delete(file);
        Reply mounts = call("GET", "sys/mounts", token, null);
        assertEquals(200, mounts.status(), "the device opens again once it can");
        assertFalse(mounts.json().get("data").has("secret/"), "the refused mount was never made");
        assertTrue(Files.readString(file).contains("\"path\":\"sys/mounts\""));
    }
}
