package io.custos.engine.kv;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.custos.engine.sdk.EngineContext;
import io.custos.engine.sdk.InMemoryStorage;
import io.custos.engine.sdk.Json;
import io.custos.engine.sdk.Operation;
import io.custos.engine.sdk.Request;
import io.custos.engine.sdk.Response;
import io.custos.engine.sdk.SecretsEngine;
import io.custos.engine.sdk.SwitchableSystemView;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * KV v2 keeps each key's decoded metadata (never its values): this node's writes are read back at
 * once, another broker's once the invalidation hook runs, and nothing is kept while the broker
 * may miss changes.
 */
class KvDecodedMetadataTest {
    private final InMemoryStorage storage = new InMemoryStorage();
    private final SwitchableSystemView system = new SwitchableSystemView();
    private SecretsEngine kv;

    @BeforeEach
    void setUp() {
        kv = new KvEngineFactory().create(new EngineContext("secret/", storage, Map.of("version", "2"),
                Clock.systemUTC(), system));
    }

    private Response call(Operation op, String path, Map<String, Object> data) {
        return kv.handle(new Request(op, path, new HashMap<>(data)));
    }

    @SuppressWarnings("unchecked")
    private Object value() {
        Response r = call(Operation.READ, "data/app", Map.of());
        return r == null ? null : ((Map<String, Object>) r.data().get("data")).get("v");
    }

    @Test
    void ownWritesAtOnceOthersAfterTheHook() {
        call(Operation.UPDATE, "data/app", Map.of("data", Map.of("v", "1")));
        assertEquals("1", value());
        call(Operation.UPDATE, "data/app", Map.of("data", Map.of("v", "2")));
        assertEquals("2", value(), "this node's write, read back at once");
        byte[] metaAtTwo = storage.get("metadata/app").orElseThrow();
        call(Operation.UPDATE, "data/app", Map.of("data", Map.of("v", "3")));
        assertEquals("3", value());
        storage.put("metadata/app", metaAtTwo); // another broker rolled the metadata back to version 2
        assertEquals("3", value(), "not announced yet: the decoded metadata is still version 3's");
        kv.invalidate("metadata/app");
        assertEquals("2", value(), "announced: read again");
    }

    @Test
    void nothingIsKeptWhileTheBrokerMayMissChanges() {
        system.cachesValid(false);
        call(Operation.UPDATE, "data/app", Map.of("data", Map.of("v", "1")));
        call(Operation.UPDATE, "data/app", Map.of("data", Map.of("v", "2")));
        byte[] metaAtTwo = storage.get("metadata/app").orElseThrow();
        call(Operation.UPDATE, "data/app", Map.of("data", Map.of("v", "3")));
        assertEquals("3", value());
        storage.put("metadata/app", metaAtTwo);
        assertEquals("2", value(), "read from storage, not from memory");
    }
}
