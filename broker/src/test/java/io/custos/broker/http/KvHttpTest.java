package io.custos.broker.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** KV v2 through the real HTTP server and PostgreSQL, with Vault's paths, envelope and status codes. */
@MicronautTest(transactional = false)
class KvHttpTest extends BrokerHttpTest {
    private String token;

    @BeforeAll
    void setUp() {
        token = initAndUnseal();
        assertEquals(204, call("POST", "sys/mounts/secret", token, "{\"type\":\"kv\",\"options\":{\"version\":\"2\"}}").status());
        assertEquals(204, call("POST", "sys/mounts/kv1", token, "{\"type\":\"kv\"}").status());
    }

    private Reply write(String path, String json) {
        return call("POST", "secret/data/" + path, token, json);
    }

    @Test
    void versionsCasAndTheEnvelope() {
        Reply first = write("app/db", "{\"data\":{\"password\":\"s3cret-1\"}}");
        assertEquals(200, first.status());
        assertEquals(1, first.json().get("data").get("version").asInt());
        assertEquals("kv", first.json().get("mount_type").asText());
        assertTrue(first.json().has("request_id") && first.json().has("lease_id") && first.json().has("wrap_info"));
        write("app/db", "{\"data\":{\"password\":\"s3cret-2\"},\"options\":{\"cas\":1}}");
        Reply conflict = write("app/db", "{\"data\":{\"password\":\"x\"},\"options\":{\"cas\":1}}");
        assertEquals(400, conflict.status());
        assertEquals("check-and-set parameter did not match the current version", conflict.error());

        JsonNode latest = call("GET", "secret/data/app/db", token, null).json().get("data");
        assertEquals("s3cret-2", latest.get("data").get("password").asText());
        assertEquals(2, latest.get("metadata").get("version").asInt());
        assertEquals("s3cret-1", call("GET", "secret/data/app/db?version=1", token, null)
                .json().get("data").get("data").get("password").asText());
        assertEquals(404, call("GET", "secret/data/app/db?version=7", token, null).status());
        assertEquals(404, call("GET", "secret/data/app/nothing", token, null).status());
    }

    @Test
    void softDeleteUndeleteAndDestroy() {
        write("lifecycle", "{\"data\":{\"k\":\"v1\"}}");
        write("lifecycle", "{\"data\":{\"k\":\"v2\"}}");
        assertEquals(204, call("DELETE", "secret/data/lifecycle", token, null).status());
        Reply deleted = call("GET", "secret/data/lifecycle", token, null);
        assertEquals(404, deleted.status());
        assertTrue(deleted.json().get("data").get("data").isNull());
        assertTrue(!deleted.json().get("data").get("metadata").get("deletion_time").asText().isEmpty());
        assertEquals(204, call("POST", "secret/undelete/lifecycle", token, "{\"versions\":[2]}").status());
        assertEquals(200, call("GET", "secret/data/lifecycle", token, null).status());
        assertEquals(204, call("POST", "secret/delete/lifecycle", token, "{\"versions\":[1]}").status());
        assertEquals(404, call("GET", "secret/data/lifecycle?version=1", token, null).status());
        assertEquals(204, call("PUT", "secret/destroy/lifecycle", token, "{\"versions\":[1,2]}").status());
        Reply destroyed = call("GET", "secret/data/lifecycle", token, null);
        assertTrue(destroyed.json().get("data").get("metadata").get("destroyed").asBoolean());
        assertEquals(400, call("POST", "secret/undelete/lifecycle", token, "{}").status());
    }

    @Test
    void metadataListAndDelete() {
        write("team/a", "{\"data\":{\"x\":\"1\"}}");
        write("team/sub/b", "{\"data\":{\"x\":\"1\"}}");
        assertEquals(204, call("POST", "secret/metadata/team/a", token,
                "{\"max_versions\":3,\"cas_required\":true,\"custom_metadata\":{\"owner\":\"ops\"}}").status());
        JsonNode meta = call("GET", "secret/metadata/team/a", token, null).json().get("data");
        assertEquals(3, meta.get("max_versions").asInt());
        assertEquals("ops", meta.get("custom_metadata").get("owner").asText());
        assertEquals(400, write("team/a", "{\"data\":{\"x\":\"2\"}}").status(), "cas_required");
        JsonNode keys = call("LIST", "secret/metadata/team", token, null).json().get("data").get("keys");
        assertEquals("[\"a\",\"sub/\"]", keys.toString());
        assertEquals(keys, call("GET", "secret/metadata/team/?list=true", token, null).json().get("data").get("keys"));
        assertEquals(404, call("LIST", "secret/metadata/nowhere", token, null).status());
        assertEquals(204, call("DELETE", "secret/metadata/team/a", token, null).status());
        assertEquals(404, call("GET", "secret/metadata/team/a", token, null).status());
        assertEquals(404, call("GET", "secret/data/team/a", token, null).status());
    }

    @Test
    void patchConfigAndSubkeys() {
        write("p", "{\"data\":{\"a\":\"1\",\"nested\":{\"b\":\"2\"}}}");
        Reply wrongType = call("PATCH", "secret/data/p", token, "{\"data\":{\"c\":\"3\"}}");
        assertEquals(415, wrongType.status());
        assertEquals(200, call("PATCH", "secret/data/p", token, "{\"data\":{\"a\":null,\"c\":\"3\"}}",
                "application/merge-patch+json").status());
        JsonNode data = call("GET", "secret/data/p", token, null).json().get("data").get("data");
        assertNull(data.get("a"));
        assertEquals("3", data.get("c").asText());
        JsonNode subkeys = call("GET", "secret/subkeys/p", token, null).json().get("data").get("subkeys");
        assertTrue(subkeys.get("nested").get("b").isNull());
        assertEquals(204, call("POST", "secret/config", token, "{\"max_versions\":5}").status());
        assertEquals(5, call("GET", "secret/config", token, null).json().get("data").get("max_versions").asInt());
    }

    @Test
    void kvVersion1AndMountManagement() {
        assertEquals(204, call("POST", "kv1/app", token, "{\"user\":\"u\",\"pass\":\"p\"}").status());
        assertEquals("u", call("GET", "kv1/app", token, null).json().get("data").get("user").asText());
        JsonNode mounts = call("GET", "sys/mounts", token, null).json().get("data");
        assertEquals("2", mounts.get("secret/").get("options").get("version").asText());
        assertEquals("1", mounts.get("kv1/").get("options").get("version").asText());
        assertEquals(400, call("POST", "sys/mounts/secret/inner", token, "{\"type\":\"kv\"}").status());
        assertEquals(400, call("POST", "sys/mounts/x", token, "{\"type\":\"nope\"}").status());
        assertEquals(400, call("POST", "sys/mounts/sys", token, "{\"type\":\"kv\"}").status());
        assertEquals(204, call("POST", "sys/mounts/kv1/tune", token, "{\"default_lease_ttl\":\"1h\",\"max_lease_ttl\":\"2h\"}").status());
        assertEquals(3600, call("GET", "sys/mounts/kv1/tune", token, null).json().get("data").get("default_lease_ttl").asInt());
        assertEquals(400, call("POST", "sys/mounts/kv1/tune", token, "{\"options\":{\"version\":\"2\"}}").status());
        assertEquals(204, call("DELETE", "sys/mounts/kv1", token, null).status());
        assertEquals(404, call("GET", "kv1/app", token, null).status());
        assertEquals("kv", call("GET", "sys/internal/ui/mounts/secret/data/x", token, null).json()
                .get("data").get("type").asText());
    }

    @ParameterizedTest(name = "{0} {1} -> {2}")
    @CsvSource(delimiter = '|', value = {
            "POST|secret/data/bad|400|{bad json",
            "POST|secret/data/bad|400|[1,2]",
            "POST|secret/data/bad|400|{\"data\":\"a string\"}",
            "POST|secret/data/bad|400|{\"data\":{\"a\":1},\"options\":{\"cas\":\"x\"}}",
            "POST|secret/metadata/bad|400|{\"max_versions\":\"many\"}",
            "POST|secret/data/a//b|400|{\"data\":{}}",
            "GET|secret/data/%2e%2e/x|400|",
            "GET|nomount/x|404|",
            "GET|secret/unknown/x|404|",
            "DELETE|secret/config|405|",
            "PATCH|sys/mounts|415|{}",
    })
    void badInputIsA4xxWithAMessage(String method, String path, int status, String body) {
        Reply r = call(method, path, token, body == null || body.isEmpty() ? null : body);
        assertEquals(status, r.status(), () -> String.valueOf(r.json()));
        assertTrue(r.json().get("errors").isArray());
    }

    @Test
    void concurrentCheckAndSetWritesLetExactlyOneWin() throws Exception {
        int writers = 16;
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Integer>> results = new ArrayList<>();
        for (int i = 0; i < writers; i++) {
            int n = i;
            results.add(pool.submit(() -> {
                start.await();
                return write("race", "{\"data\":{\"writer\":\"" + n + "\"},\"options\":{\"cas\":0}}").status();
            }));
        }
        start.countDown();
        int ok = 0;
        for (Future<Integer> f : results) {
            int status = f.get();
            assertTrue(status == 200 || status == 400, "status " + status);
            ok += status == 200 ? 1 : 0;
        }
        pool.shutdown();
        assertEquals(1, ok, "exactly one create wins");
        assertEquals(1, call("GET", "secret/metadata/race", token, null).json().get("data").get("current_version").asInt());
    }

    @Test
    void healthAnswersHeadAndLeaderAnswersWithoutAToken() {
        assertEquals(200, call("HEAD", "sys/health", null, null).status());
        assertEquals(false, call("GET", "sys/leader", null, null).json().get("ha_enabled").asBoolean());
    }

    @Test
    void unknownFieldsAreWarnedAbout() {
        Reply r = write("warned", "{\"data\":{\"a\":\"b\"},\"colour\":\"red\"}");
        assertEquals(200, r.status());
        assertEquals("Endpoint ignored these unrecognized parameters: [colour]", r.json().get("warnings").get(0).asText());
    }

    @Test
    void malformedJsonErrorsNeverEchoTheBody() {
        Reply r = write("echo", "{\"data\":{\"password\": hunter2-unquoted}}");
        assertEquals(400, r.status());
        assertTrue(!r.error().contains("hunter2"), r.error());
    }

    @Test
    void oversizedBodiesAre413() {
        String big = "{\"data\":{\"blob\":\"" + "a".repeat(1_100_000) + "\"}}";
        Reply r = write("big", big);
        assertEquals(413, r.status());
        assertTrue(r.error().contains("1048576"), r.error());
    }

    @Test
    void noOrUnknownTokenIs403() {
        assertEquals(403, call("GET", "secret/data/app/db", null, null).status());
        assertEquals(403, call("GET", "secret/data/app/db", "cvs.forged", null).status());
        HttpHeaderBearer bearer = new HttpHeaderBearer();
        assertEquals(200, bearer.get(this, "sys/mounts", token));
    }

    /** Authorization: Bearer works as well as X-Vault-Token. */
    static final class HttpHeaderBearer {
        int get(BrokerHttpTest t, String path, String tok) {
            try {
                return t.http.send(HttpRequest.newBuilder(URI.create(
                                "http://127.0.0.1:" + t.server.getPort() + "/v1/" + path))
                        .header("Authorization", "Bearer " + tok).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode();
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
