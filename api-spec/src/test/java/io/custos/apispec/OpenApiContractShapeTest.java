package io.custos.apispec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The published contract is a well-formed OpenAPI 3 document covering the implemented API. */
class OpenApiContractShapeTest {

    private static JsonNode contract() throws Exception {
        try (InputStream in = OpenApiContractShapeTest.class.getResourceAsStream("/openapi.json")) {
            return new ObjectMapper().readTree(in);
        }
    }

    @Test
    void isOpenApi3WithEveryImplementedPath() throws Exception {
        JsonNode doc = contract();
        assertTrue(doc.get("openapi").asText().startsWith("3."));
        List<String> paths = new ArrayList<>();
        doc.get("paths").fieldNames().forEachRemaining(paths::add);
        for (String p : List.of("/sys/init", "/sys/unseal", "/sys/seal-status", "/sys/seal", "/sys/health",
                "/sys/mounts", "/sys/mounts/{path}", "/sys/mounts/{path}/tune", "/sys/rotate", "/sys/key-status",
                "/secret/data/{path}", "/secret/metadata/{path}", "/secret/delete/{path}", "/secret/undelete/{path}",
                "/secret/destroy/{path}", "/secret/subkeys/{path}", "/secret/config")) {
            assertTrue(paths.contains(p), p + " missing from the contract");
        }
    }

    @Test
    void secretsAreWriteOnlyAndEveryOperationDocumentsItsErrors() throws Exception {
        JsonNode doc = contract();
        assertEquals(true, doc.at("/paths/~1sys~1unseal/post/requestBody/content/application~1json/schema/properties/key/writeOnly")
                .asBoolean());
        doc.get("paths").forEach(item -> item.fields().forEachRemaining(op -> {
            if (op.getValue().has("responses")) {
                assertTrue(op.getValue().get("responses").has("400"));
                assertTrue(op.getValue().get("responses").has("403"));
            }
        }));
    }
}
