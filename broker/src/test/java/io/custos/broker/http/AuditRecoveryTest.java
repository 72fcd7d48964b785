package io.custos.broker.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.custos.engine.sdk.Json;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A torn last line (a crash or a full disk mid-write) no longer blocks every later request: on
 * reopen the device cuts it, records a truncated marker, and the chain stays verifiable.
 */
@MicronautTest(transactional = false)
class AuditRecoveryTest extends BrokerHttpTest {
    private static Path log;

    @Override
    protected Map<String, String> extraProperties() {
        try {
            log = Files.createTempDirectory("custos-audit-torn").resolve("audit.log");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return Map.of("custos.audit.devices.file.path", log.toString(), "custos.audit.devices.file.fsync", "always");
    }

    @Test
    void aTornLastLineIsCutAndMarkedAndTheChainStillVerifies() throws Exception {
        Reply init = call("POST", "sys/init", null, "{\"secret_shares\":1,\"secret_threshold\":1}");
        String key = init.json().get("keys_base64").get(0).asText();
        String root = init.json().get("root_token").asText();
        call("POST", "sys/unseal", null, "{\"key\":\"" + key + "\"}");
        for (int i = 0; i < 3; i++) {
            assertEquals(200, call("GET", "sys/mounts", root, null).status());
        }
        assertEquals(204, call("POST", "sys/seal", root, null).status());
        // the crash: half a line at the end of the file
        Files.write(log, "{\"seq\":99,\"prev\":\"ab".getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND);
        call("POST", "sys/unseal", null, "{\"key\":\"" + key + "\"}");
        assertEquals(200, call("GET", "sys/mounts", root, null).status(), "requests go on after the torn line");
        List<String> lines = Files.readAllLines(log);
        JsonNode marker = lines.stream().map(l -> {
            try {
                return Json.MAPPER.readTree(l);
            } catch (IOException e) {
                throw new AssertionError("an unreadable line remains: " + l);
            }
        }).filter(n -> n.path("type").asText().equals("truncated")).findFirst().orElseThrow();
        assertEquals(20, marker.get("dropped_bytes").asInt());
        JsonNode verified = call("POST", "sys/audit/file/verify", root, "{}").json().get("data");
        assertTrue(verified.get("ok").asBoolean(), verified.toString());
        assertEquals("always", call("GET", "sys/audit", root, null).json().get("data").get("file/").get("options")
                .get("fsync").asText());
    }
}
