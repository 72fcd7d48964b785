package io.custos.broker.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The review's small leaks and rough edges, each now answered as Vault answers. */
@MicronautTest(transactional = false)
class RoughEdgesTest extends BrokerHttpTest {
    private String root;

    @BeforeAll
    void setUp() {
        root = initAndUnseal();
        call("POST", "sys/mounts/secret", root, "{\"type\":\"kv-v2\"}");
    }

    @Test
    void aTokenWithoutAccessCannotTellMissingMountsFromExistingOnes() {
        String nobody = call("POST", "auth/token/create", root, "{\"policies\":[\"default\"]}").json().get("auth")
                .get("client_token").asText();
        Reply missing = call("GET", "nosuchmount/data/x", nobody, null);
        Reply existing = call("GET", "secret/data/x", nobody, null);
        assertEquals(403, missing.status());
        assertEquals(403, existing.status());
        assertEquals(existing.json(), missing.json());
        assertEquals(403, call("GET", "auth/nosuchmethod/role/x", nobody, null).status());
        // a caller whose policies allow the path learns that nothing is mounted there
        assertEquals(404, call("GET", "nosuchmount/data/x", root, null).status());
    }

    @ParameterizedTest
    @ValueSource(ints = {299, 472, 473, 599, 200, 429})
    void anyHealthCodeVaultAcceptsIsServed(int code) {
        assertEquals(code, call("GET", "sys/health?activecode=" + code, null, null).status());
    }

    @ParameterizedTest
    @ValueSource(strings = {"/health", "/beans", "/routes", "/info", "/threaddump", "/flyway", "/env", "/loggers"})
    void theFrameworksManagementEndpointsAreOff(String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getPort()
                + path)).build(), HttpResponse.BodyHandlers.ofString());
        assertNotEquals(200, r.statusCode(), path + " answered " + r.body());
        assertNotEquals(401, r.statusCode(), path + " exists behind a login");
        assertFalse(r.body().contains("UP"), r.body());
    }

    @Test
    void aSizeLimitErrorSaysWhatTheLimitIsWithoutJacksonInternals() {
        Reply r = call("POST", "secret/data/deep", root, "{\"data\":" + "[".repeat(1_500) + "]".repeat(1_500) + "}");
        assertEquals(400, r.status());
        assertFalse(r.error().contains("StreamReadConstraints") || r.error().contains("`"), r.error());
        assertTrue(r.error().contains("nesting depth") && r.error().contains("1000"), r.error());
    }
}
