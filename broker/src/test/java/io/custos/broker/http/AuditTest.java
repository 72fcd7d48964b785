package io.custos.broker.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.custos.broker.Custos;
import io.custos.broker.audit.AuditChain;
import io.custos.engine.sdk.Json;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The file audit device: one request line and one response line per request, HMACed, hash-chained. */
@MicronautTest
class AuditTest extends BrokerHttpTest {
    private static Path log;
    private String token;

    @Override
    protected Map<String, String> extraProperties() {
        try {
            log = Files.createTempDirectory("custos-audit").resolve("audit.log");
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        return Map.of("custos.audit.devices.file.path", log.toString());
    }

    @BeforeAll
    void setUp() {
        token = initAndUnseal();
        call("POST", "sys/mounts/secret", token, "{\"type\":\"kv-v2\"}");
    }

    private List<JsonNode> entries() throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
            out.add(Json.MAPPER.readTree(line));
        }
        return out;
    }

    @Test
    void everyRequestIsLoggedOnceAsRequestAndOnceAsResponseAllowedAndDeniedAlike() throws Exception {
        int before = entries().size();
        call("POST", "secret/data/a", token, "{\"data\":{\"k\":\"v\"}}");
        call("GET", "secret/data/a", token, null);
        call("GET", "secret/data/a", "cvs.wrong", null);
        call("GET", "sys/mounts", token, null);
        List<JsonNode> added = entries().subList(before, entries().size());
        assertEquals(8, added.size());
        Map<String, List<String>> byId = new HashMap<>();
        for (JsonNode e : added) {
            byId.computeIfAbsent(e.get("request").get("id").asText(), k -> new ArrayList<>()).add(e.get("type").asText());
        }
        assertEquals(4, byId.size());
        byId.values().forEach(types -> assertEquals(List.of("request", "response"), types));
        JsonNode denied = added.get(5);
        assertEquals(403, denied.get("response").get("status").asInt());
        assertEquals("permission denied", denied.get("error").asText());
        assertTrue(denied.get("auth").isNull());
        JsonNode read = added.get(3);
        assertEquals("read", read.get("request").get("operation").asText());
        assertEquals("secret/data/a", read.get("request").get("path").asText());
        assertTrue(read.get("auth").get("accessor").asText().startsWith("hmac-sha256:"));
        assertEquals("[\"root\"]", read.get("auth").get("policies").toString());
    }

    @Test
    void noPlaintextSecretOrTokenReachesTheLogButItsHashDoes() throws Exception {
        String secret = "canary-" + System.nanoTime();
        call("POST", "secret/data/canary", token, "{\"data\":{\"password\":\"" + secret + "\"}}");
        call("GET", "secret/data/canary", token, null);
        String text = Files.readString(log);
        assertFalse(text.contains(secret), "plaintext secret in the audit log");
        assertFalse(text.contains(token), "plaintext token in the audit log");
        Reply hash = call("POST", "sys/audit-hash/file", token, "{\"input\":\"" + secret + "\"}");
        String h = hash.json().get("data").get("hash").asText();
        assertTrue(h.startsWith("hmac-sha256:"));
        assertTrue(text.contains(h), "the value's HMAC is searchable");
        assertEquals("file/", call("GET", "sys/audit", token, null).json().get("data").get("file/").get("path").asText());
        assertEquals(400, call("PUT", "sys/audit/other", token, "{\"type\":\"file\"}").status());
    }

    @Test
    void verifyCatchesAnEditedADeletedAndAnInsertedLine() throws Exception {
        for (int i = 0; i < 5; i++) {
            call("GET", "sys/mounts", token, null);
        }
        assertTrue(AuditChain.verify(log).ok());
        assertEquals(0, new CommandLine(new Custos()).execute("audit", "verify", log.toString()));
        List<String> lines = Files.readAllLines(log);

        List<String> edited = new ArrayList<>(lines);
        edited.set(3, edited.get(3).replace("\"time\":\"", "\"time\":\"1"));
        assertEquals(4, verifyCopy(edited).badLine());

        List<String> deleted = new ArrayList<>(lines);
        deleted.remove(5);
        AuditChain.Result d = verifyCopy(deleted);
        assertEquals(6, d.badLine());
        assertTrue(d.problem().contains("deleted"), d.problem());

        List<String> inserted = new ArrayList<>(lines);
        inserted.add(2, lines.get(1));
        AuditChain.Result in = verifyCopy(inserted);
        assertEquals(3, in.badLine());
        assertTrue(in.problem().contains("inserted"), in.problem());

        Path bad = Files.createTempFile("custos-audit-bad", ".log");
        Files.write(bad, edited);
        assertEquals(1, new CommandLine(new Custos()).execute("audit", "verify", bad.toString()));
    }

    private static AuditChain.Result verifyCopy(List<String> lines) throws Exception {
        Path copy = Files.createTempFile("custos-audit", ".log");
        Files.write(copy, lines);
        AuditChain.Result r = AuditChain.verify(copy);
        assertFalse(r.ok());
        return r;
    }
}
