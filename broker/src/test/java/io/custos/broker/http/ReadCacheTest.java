package io.custos.broker.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.custos.broker.storage.ChangeFeed;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The read cache serves repeated reads from memory, follows writes exactly, and is dropped on seal. */
@MicronautTest(transactional = false)
class ReadCacheTest extends BrokerHttpTest {
    @Inject
    ChangeFeed feed;

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
        assertTrue(feed.caughtUp(Duration.ofSeconds(10)), "this node has heard of its own write");
        call("GET", "secret/data/c", token, null);

        // corrupt storage behind the broker's back, silently: with the change trigger off for this
        // transaction no notification goes out, so only a read that skips the cache would see it
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            st.execute("ALTER TABLE custos_entries DISABLE TRIGGER custos_entries_changed");
            st.executeUpdate("UPDATE custos_entries SET value = set_byte(value, 30, get_byte(value, 30) # 1) "
                    + "WHERE path LIKE 'logical/%'");
            st.execute("ALTER TABLE custos_entries ENABLE TRIGGER custos_entries_changed");
            c.commit();
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
