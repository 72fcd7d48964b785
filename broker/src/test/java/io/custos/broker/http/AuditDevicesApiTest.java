package io.custos.broker.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.custos.engine.sdk.Json;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Audit devices enabled and disabled through {@code sys/audit/:path}, beside one from the configuration. */
@MicronautTest(transactional = false)
class AuditDevicesApiTest extends BrokerHttpTest {
    private static Path dir;
    private String token;

    @Override
    protected Map<String, String> extraProperties() {
        try {
            dir = Files.createTempDirectory("custos-audit-api");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return Map.of("custos.audit.devices.configured.path", dir.resolve("configured.log").toString());
    }

    @BeforeAll
    void setUp() {
        token = initAndUnseal();
        call("POST", "sys/mounts/secret", token, "{\"type\":\"kv-v2\"}");
    }

    private Reply enable(String name, String options) {
        return call("PUT", "sys/audit/" + name, token, "{\"type\":\"file\",\"options\":" + options + "}");
    }

    private static List<JsonNode> lines(Path file) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            out.add(Json.MAPPER.readTree(line));
        }
        return out;
    }

    @Test
    void aDeviceEnabledThroughTheApiRecordsEveryRequestUntilItIsDisabled() throws Exception {
        Path file = dir.resolve("api.log");
        assertEquals(204, enable("api", "{\"file_path\":\"" + file + "\",\"mode\":\"0640\"}").status());
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        call("POST", "secret/data/x", token, "{\"data\":{\"k\":\"v\"}}");
        List<JsonNode> written = lines(file);
        assertEquals("genesis", written.get(0).get("type").asText());
        assertTrue(written.stream().anyMatch(l -> l.path("request").path("path").asText().equals("secret/data/x")));

        JsonNode listed = call("GET", "sys/audit", token, null).json().get("data");
        assertEquals(file.toString(), listed.get("api/").get("options").get("file_path").asText());
        assertEquals("file", listed.get("api/").get("type").asText());
        assertTrue(listed.has("configured/"));
        String hash = call("POST", "sys/audit-hash/api", token, "{\"input\":\"v\"}").json().get("data").get("hash").asText();
        assertTrue(Files.readString(file).contains(hash), "the device's own HMAC key hashes its lines");
        JsonNode verified = call("POST", "sys/audit/api/verify", token, "{}").json().get("data");
        assertTrue(verified.get("ok").asBoolean(), verified.toString());

        assertEquals(204, call("DELETE", "sys/audit/api", token, null).status());
        int before = lines(file).size();
        call("GET", "secret/data/x", token, null);
        assertEquals(before, lines(file).size(), "a disabled device is written no more");
        assertFalse(call("GET", "sys/audit", token, null).json().get("data").has("api/"));
        assertEquals(204, call("DELETE", "sys/audit/api", token, null).status(), "disabling twice is a no-op");

        assertEquals(204, enable("api", "{\"file_path\":\"" + file + "\"}").status());
        call("GET", "secret/data/x", token, null);
        JsonNode again = call("POST", "sys/audit/api/verify", token, "{}").json().get("data");
        assertTrue(again.get("ok").asBoolean(), "enabled again, the device continues its file's chain: " + again);
        assertEquals(204, call("DELETE", "sys/audit/api", token, null).status());
    }

    @Test
    void theAccessorIsLoggedInClearOnlyWhenHmacAccessorIsFalse() throws Exception {
        Path file = dir.resolve("clear-accessor.log");
        assertEquals(204, enable("clear", "{\"file_path\":\"" + file + "\",\"hmac_accessor\":\"false\"}").status());
        String accessor = call("GET", "auth/token/lookup-self", token, null).json().get("data").get("accessor").asText();
        JsonNode request = lines(file).stream().filter(l -> l.path("type").asText().equals("request")).findFirst()
                .orElseThrow();
        assertEquals(accessor, request.get("auth").get("accessor").asText());
        assertTrue(Files.readString(dir.resolve("configured.log")).contains("hmac-sha256:"),
                "the configured device still hashes");
        assertEquals(204, call("DELETE", "sys/audit/clear", token, null).status());
    }

    @Test
    void badDevicesAreRefusedWithTheProblemNamedAndNothingStored() throws Exception {
        Path foreign = dir.resolve("foreign.conf");
        Files.writeString(foreign, "not an audit file\n");
        String[][] cases = {
            {"x", "{\"type\":\"syslog\",\"options\":{}}", "unknown backend type: \"syslog\""},
            {"x", "{\"type\":\"file\",\"options\":{}}", "file_path is required"},
            {"x", "{\"type\":\"file\",\"options\":{\"file_path\":\"relative.log\"}}", "must be an absolute path"},
            {"x", "{\"type\":\"file\",\"options\":{\"file_path\":\"" + foreign + "\"}}", "is not a Custos audit file"},
            {"x", "{\"type\":\"file\",\"options\":{\"file_path\":\"/dev/null\"}}", "is not a regular file"},
            {"x", "{\"type\":\"file\",\"options\":{\"file_path\":\"/nonexistent-dir/a.log\"}}", "directory does not exist"},
            {"x", "{\"type\":\"file\",\"options\":{\"file_path\":\"" + dir.resolve("configured.log") + "\"}}",
                "is already written by audit device \"configured\""},
            {"configured", "{\"type\":\"file\",\"options\":{\"file_path\":\"stdout\"}}", "path already in use"},
            {"x", "{\"type\":\"file\",\"options\":{\"file_path\":\"stdout\",\"log_raw\":\"true\"}}", "log_raw is not supported"},
            {"x", "{\"type\":\"file\",\"options\":{\"file_path\":\"stdout\",\"mode\":\"rwx\"}}", "mode must be an octal"},
            {"x", "{\"type\":\"file\",\"options\":{\"file_path\":\"stdout\",\"format\":\"jsonx\"}}", "only json"},
            {"x", "{\"type\":\"file\",\"options\":{\"file_path\":\"stdout\",\"bogus\":\"1\"}}", "unknown option(s)"},
            {"x", "{\"type\":\"file\",\"options\":{\"file_path\":{\"nested\":1}}}", "options must be string valued"},
            {"a%2F..%2Fb", "{\"type\":\"file\",\"options\":{\"file_path\":\"stdout\"}}", ""},
            {"-x", "{\"type\":\"file\",\"options\":{\"file_path\":\"stdout\"}}", "invalid audit path"},
            {"x", "{\"type\":\"file\",\"options\":{\"file_path\":\"/tmp/a\\u0000b\"}}", "file_path is not a valid path"},
            {"x", "{\"type\":\"file\",\"options\":{\"file_path\":\"/" + "a".repeat(64 * 1024) + "\"}}",
                "unable to open"},
        };
        for (String[] c : cases) {
            Reply r = call("PUT", "sys/audit/" + c[0], token, c[1]);
            assertEquals(400, r.status(), c[1] + " → " + r.json());
            assertTrue(r.error().contains(c[2]), r.error() + " should name " + c[2]);
        }
        assertEquals("not an audit file\n", Files.readString(foreign), "a refused file is left as it was");
        Reply nul = call("POST", "sys/audit/configured/verify", token, "{\"file_path\":\"/tmp/x\\u0000y\"}");
        assertEquals(400, nul.status());
        assertTrue(nul.error().contains("file_path is not a valid path"), nul.error());
        Path odd = dir.resolve("quote\"back\\slash.log");
        assertEquals(204, enable("odd", Json.MAPPER.writeValueAsString(Map.of("file_path", odd.toString())))
                .status(), "quotes and backslashes are just characters of a file name");
        assertTrue(Files.readString(odd).contains("genesis"));
        assertEquals(204, call("DELETE", "sys/audit/odd", token, null).status());
        assertEquals(1, call("GET", "sys/audit", token, null).json().get("data").size(), "nothing was stored");
        Reply configured = call("DELETE", "sys/audit/configured", token, null);
        assertEquals(400, configured.status());
        assertTrue(configured.error().contains("declared in the server configuration"), configured.error());
    }

    @Test
    void aDeviceWritingToStdoutOrNowhereHasNoFileToVerify() {
        assertEquals(204, enable("nowhere", "{\"file_path\":\"discard\"}").status());
        assertEquals(200, call("GET", "sys/mounts", token, null).status());
        Reply verify = call("POST", "sys/audit/nowhere/verify", token, "{}");
        assertEquals(400, verify.status());
        assertTrue(verify.error().contains("no file to verify"), verify.error());
        assertEquals(204, call("DELETE", "sys/audit/nowhere", token, null).status());
    }
}
