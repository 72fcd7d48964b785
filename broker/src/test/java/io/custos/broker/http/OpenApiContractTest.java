package io.custos.broker.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.custos.engine.sdk.Json;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The committed contract ({@code api-spec/src/main/resources/openapi.json}) is what the server
 * generates from its declarations for the reference layout (sys/ plus KV v2 at secret/ and the
 * database engine at database/). After
 * changing a declaration, regenerate it with {@code ./mvnw -pl broker test -Dtest=OpenApiContractTest
 * -Dcustos.spec.write=true}.
 */
@MicronautTest(transactional = false)
class OpenApiContractTest extends BrokerHttpTest {
    private static final Path CONTRACT = Path.of("..", "api-spec", "src", "main", "resources", "openapi.json");

    @Test
    void committedContractMatchesTheDeclarations() throws Exception {
        String token = initAndUnseal();
        call("POST", "sys/mounts/secret", token, "{\"type\":\"kv\",\"options\":{\"version\":\"2\"}}");
        call("POST", "sys/mounts/database", token, "{\"type\":\"database\"}");
        call("POST", "sys/mounts/pki", token, "{\"type\":\"pki\"}");
        Reply spec = call("GET", "sys/internal/specs/openapi", token, null);
        assertEquals(200, spec.status());
        String generated = Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(spec.json()) + "\n";
        if (Boolean.getBoolean("custos.spec.write")) {
            Files.writeString(CONTRACT, generated, StandardCharsets.UTF_8);
        }
        JsonNode committed = Json.MAPPER.readTree(Files.readString(CONTRACT, StandardCharsets.UTF_8));
        assertTrue(committed.equals(spec.json()), "api-spec/openapi.json is stale: regenerate it (see the class comment)");
        assertEquals(true, spec.json().at("/paths/~1secret~1data~1{path}/post/requestBody/content/application~1json"
                + "/schema/properties/data/writeOnly").asBoolean(), "secret data is write-only in the contract");
    }
}
