package io.custos.engine.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** What an engine decoded is kept until something says it changed, and never past a change raced with the read. */
class DecodedCacheTest {
    private final InMemoryStorage storage = new InMemoryStorage();
    private final SwitchableSystemView system = new SwitchableSystemView();
    private final DecodedCache cache = new DecodedCache(storage, system, 100);
    private final AtomicInteger decodes = new AtomicInteger();

    private Optional<String> get(String key) {
        return cache.get(key, b -> {
            decodes.incrementAndGet();
            return new String(b, StandardCharsets.UTF_8);
        });
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void keptUntilAWriteOrAnInvalidationAndAbsenceIsKeptToo() {
        storage.put("roles/a", b("1"));
        assertEquals("1", get("roles/a").orElseThrow());
        assertEquals("1", get("roles/a").orElseThrow());
        assertEquals(1, decodes.get());
        cache.view().put("roles/a", b("2"));
        assertEquals("2", get("roles/a").orElseThrow(), "a write through the view is read back at once");
        assertEquals(Optional.empty(), get("roles/b"));
        storage.put("roles/b", b("x"));
        assertEquals(Optional.empty(), get("roles/b"), "absence is kept until announced");
        cache.invalidate("roles/");
        assertEquals("x", get("roles/b").orElseThrow(), "a prefix drops everything below it");
    }

    @Test
    void aReadThatRacedAnInvalidationIsNotKept() {
        storage.put("k", b("old"));
        cache.get("k", bytes -> {
            cache.invalidate("k"); // announced while this read was decoding what it had read
            return new String(bytes, StandardCharsets.UTF_8);
        });
        storage.put("k", b("new"));
        assertEquals("new", get("k").orElseThrow());
    }

    @Test
    void nothingIsKeptWhileCachesMayNotBeTrusted() {
        system.cachesValid(false);
        storage.put("k", b("1"));
        get("k");
        storage.put("k", b("2"));
        assertEquals("2", get("k").orElseThrow());
        assertEquals(2, decodes.get());
    }
}
