package io.custos.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code CUSTOS_LOG_FORMAT=json}: every log line is one JSON object; what a request logs carries its id. */
class JsonLogsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The dev-mode banner, printed for a person rather than logged. */
    private static final Set<String> BANNER = Set.of("", "WARNING! dev mode is enabled! In this mode, Custos runs "
            + "entirely unsealed", "and stores its unseal key and root token where anyone on this machine can read them.");
    @TempDir
    Path dir;

    @Test
    void everyLineIsJsonAndARequestsLinesCarryItsId() throws Exception {
        int port = BrokerProcess.freePort();
        try (BrokerProcess dev = BrokerProcess.start(List.of("server", "-dev", "-dev-root-token-id=json-root",
                "-dev-listen-address=127.0.0.1:" + port), Map.of("CUSTOS_LOG_FORMAT", "json"), dir)) {
            String out = dev.awaitOutput("Root Token: json-root", Duration.ofSeconds(90));
            String unsealKey = out.lines().filter(l -> l.startsWith("Unseal Key: ")).findFirst().orElseThrow()
                    .substring("Unseal Key: ".length());
            ApiClient api = new ApiClient(HttpClient.newHttpClient(), "http://127.0.0.1:" + port);
            // an audit device that cannot be opened after the next unseal: the refused request logs an error
            Path file = dir.resolve("audit.log");
            api.call("PUT", "sys/audit/a", "json-root", "{\"type\":\"file\",\"options\":{\"file_path\":\"" + file
                    + "\"}}", 204);
            api.call("PUT", "sys/seal", "json-root", null, 204);
            Files.delete(file);
            Files.createDirectory(file);
            api.call("PUT", "sys/unseal", null, "{\"key\":\"" + unsealKey + "\"}", 200);
            assertEquals(500, api.send("GET", "sys/mounts", "json-root", null).statusCode());

            List<JsonNode> logged = logLines(dev.output());
            JsonNode refused = logged.stream().filter(n -> n.path("formattedMessage").asText().contains("refused"))
                    .findFirst().orElseThrow(() -> new AssertionError(dev.output()));
            String id = refused.path("mdc").path("request_id").asText();
            assertEquals(36, id.length(), refused.toString());
            assertTrue(refused.path("formattedMessage").asText().contains(id));
            assertEquals("ERROR", refused.path("level").asText());
            assertTrue(logged.stream().anyMatch(n -> n.path("formattedMessage").asText().contains("cannot write")
                    && id.equals(n.path("mdc").path("request_id").asText())), "the device's error names the request too");
            assertTrue(logged.stream().anyMatch(n -> n.path("mdc").path("request_id").isMissingNode()),
                    "lines outside a request carry no id");
        }
    }

    /** Every line of the output that is not the dev banner, parsed; a line that is not JSON fails the test. */
    private static List<JsonNode> logLines(String output) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String line : output.split("\n", -1)) {
            if (BANNER.contains(line) || line.startsWith("Unseal Key: ") || line.startsWith("Root Token: ")
                    || line.startsWith("    export VAULT_ADDR=")) {
                continue;
            }
            JsonNode n = JSON.readTree(line);
            assertTrue(n != null && n.isObject() && n.has("level") && n.has("loggerName") && n.has("timestamp"),
                    "not a JSON log line: " + line);
            assertFalse(n.has("arguments"), line);
            out.add(n);
        }
        return out;
    }

    @Test
    void anUnknownFormatStopsTheBrokerNamingTheSetting() throws Exception {
        try (BrokerProcess b = BrokerProcess.start(List.of("server", "-dev", "-dev-listen-address=127.0.0.1:"
                + BrokerProcess.freePort()), Map.of("CUSTOS_LOG_FORMAT", "xml"), dir)) {
            assertEquals(1, b.awaitExit(Duration.ofSeconds(60)));
            assertTrue(b.output().contains("CUSTOS_LOG_FORMAT must be standard or json, not \"xml\""), b.output());
        }
    }
}
