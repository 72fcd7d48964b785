package io.custos.broker.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The read cache serves repeated reads from memory, follows writes exactly, and is dropped on seal. */
@MicronautTest
class ReadCacheTest extends BrokerHttpTest {

    @Test
    void cachedReadsFollowWritesAndDoNotOutliveTheSeal() throws Exception {
        Reply init = call("POST", "sys/init", null, "{\"secret_shares\":1,\"secret_threshold\":1}");
        String key = init.json().get("keys").get(0).asText();
        String token = init.json().get("root_token").asText();
        call("POST", "sys/unseal", null, "{\"key\":\"" + key + "\"}");
        call("POST", "sys/mounts/secret", token, "{\"type\":\"kv-v2\"}");
        for (int i = 1; i <= 3; i++) {
            call("POST", "secret/data/c", token, "{\"data\":{\"v\":\"" + i + "\"}}");
            assertEquals(String.valueOf(i), call("GET", "secret/data/c", token, null).json()
                    .get("data").get("data").get("v").asText(), "a read after a write sees the write");
        }
        call("DELETE", "secret/metadata/c", token, null);
        assertEquals(404, call("GET", "secret/data/c", token, null).status());
        call("POST", "secret/data/c", token, "{\"data\":{\"v\":\"cached\"}}");
        call("GET", "secret/data/c", token, null);

        try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement(
                "UPDATE custos_entries SET value = set_byte(value, 30, get_byte(value, 30) # 1) WHERE path LIKE 'logical/%'")) {
            ps.executeUpdate();
        }
        assertEquals(200, call("GET", "secret/data/c", token, null).status(), "served from the cache");

        call("POST", "sys/seal", token, null);
        call("POST", "sys/unseal", null, "{\"key\":\"" + key + "\"}");
        assertEquals(500, call("GET", "secret/data/c", token, null).status(), "after a seal, reads go to storage again");
    }

    @Override
    protected Map<String, String> extraProperties() {
        return Map.of("custos.storage.cache-enabled", "true");
    }
}
