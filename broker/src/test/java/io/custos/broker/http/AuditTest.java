package io.custos.broker.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.custos.broker.Custos;
import io.custos.engine.sdk.Json;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The file audit device: one request line and one response line per request, HMACed, hash-chained. */
@MicronautTest(transactional = false)
class AuditTest extends BrokerHttpTest {
    private static Path log;
    private String token;

    @Override
    protected Map<String, String> extraProperties() {
        try {
            log = Files.createTempDirectory("custos-audit").resolve("audit.log");
        } catch (IOException e) {
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
    void aMountsNonHmacKeysAreLoggedInClearAndNothingElse() throws Exception {
        call("POST", "sys/mounts/plainkv", token, "{\"type\":\"kv\",\"config\":{\"audit_non_hmac_request_keys\":"
                + "[\"visible\"],\"audit_non_hmac_response_keys\":\"shown\"}}");
        call("POST", "plainkv/x", token, "{\"visible\":\"in-clear\",\"hidden\":\"hashed-value\",\"shown\":\"out\"}");
        int before = entries().size();
        call("GET", "plainkv/x", token, null);
        List<JsonNode> added = entries().subList(before, entries().size());
        JsonNode response = added.get(1).get("response").get("body").get("data");
        assertEquals("out", response.get("shown").asText());
        assertTrue(response.get("hidden").asText().startsWith("hmac-sha256:"));
        assertTrue(response.get("visible").asText().startsWith("hmac-sha256:"), "request keys do not apply to responses");
        JsonNode write = entries().stream().filter(e -> e.get("type").asText().equals("request")
                && e.get("request").get("path").asText().equals("plainkv/x")
                && e.get("request").get("operation").asText().equals("update")).findFirst().orElseThrow();
        assertEquals("in-clear", write.get("request").get("data").get("visible").asText());
        assertTrue(write.get("request").get("data").get("hidden").asText().startsWith("hmac-sha256:"));
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

    private Reply verify(Path file) {
        return call("POST", "sys/audit/file/verify", token, "{\"file_path\":\"" + file + "\"}");
    }

    private Path copy(String suffix, List<String> lines) throws Exception {
        Path p = log.resolveSibling(log.getFileName() + "." + suffix);
        Files.write(p, lines);
        return p;
    }

    private void assertBad(Path file, long line, String problem) {
        JsonNode d = verify(file).json().get("data");
        assertFalse(d.get("ok").asBoolean(), d.toString());
        assertEquals(line, d.get("bad_line").asLong(), d.toString());
        assertTrue(d.get("problem").asText().contains(problem), d.toString());
    }

    @Test
    void verifyCatchesEditedDeletedInsertedAndCutLinesEvenWhenTheChainIsRebuilt() throws Exception {
        for (int i = 0; i < 5; i++) {
            call("GET", "sys/mounts", token, null);
        }
        JsonNode good = verify(log).json().get("data");
        assertTrue(good.get("ok").asBoolean(), good.toString());
        List<String> lines = Files.readAllLines(log);
        assertEquals("genesis", Json.MAPPER.readTree(lines.get(0)).get("type").asText());

        List<String> edited = new ArrayList<>(lines);
        edited.set(3, edited.get(3).replace("\"time\":\"", "\"time\":\"1"));
        assertBad(copy("edited", edited), 4, "edited");

        // the attacker also rewrites the next line's prev as a plain hash of the edited line: still caught
        List<String> rebuilt = new ArrayList<>(edited);
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(edited.get(3).getBytes(StandardCharsets.UTF_8)));
        String prev = Json.MAPPER.readTree(rebuilt.get(4)).get("prev").asText();
        rebuilt.set(4, rebuilt.get(4).replace(prev, sha));
        assertBad(copy("rebuilt", rebuilt), 4, "edited");

        List<String> deleted = new ArrayList<>(lines);
        deleted.remove(5);
        assertBad(copy("deleted", deleted), 6, "deleted");

        List<String> inserted = new ArrayList<>(lines);
        inserted.add(2, lines.get(1));
        assertBad(copy("inserted", inserted), 3, "inserted");

        assertBad(copy("head-cut", lines.subList(3, lines.size())), 1, "genesis");
        // verify stored a checkpoint of the whole file: dropping its last lines is noticed
        assertBad(copy("tail-cut", lines.subList(0, lines.size() - 4)), lines.size() - 3, "cut from the end");

        assertEquals(400, call("POST", "sys/audit/file/verify", token, "{\"file_path\":\"/etc/passwd\"}").status(),
                "only the device's file or copies beside it");
        // the CLI without a broker checks the structure, which the edited copy keeps
        assertEquals(0, new CommandLine(new Custos()).execute("audit", "verify", log.toString()));
        assertEquals(1, new CommandLine(new Custos()).execute("audit", "verify",
                copy("deleted2", deleted).toString()));
    }
}
