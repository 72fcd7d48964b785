package io.custos.engine.sdk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Compare-and-put through a prefixed view lands on the prefixed key, with absent and present expectations. */
class CompareAndPutViewTest {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aSubViewComparesAndPutsUnderItsPrefix() {
        InMemoryStorage root = new InMemoryStorage();
        StorageView mount = root.sub("logical/m1/");
        assertTrue(mount.compareAndPut("k", Optional.empty(), b("one")));
        assertArrayEquals(b("one"), root.get("logical/m1/k").orElseThrow());
        assertFalse(mount.compareAndPut("k", Optional.empty(), b("two")), "not absent any more");
        assertFalse(mount.compareAndPut("k", Optional.of(b("other")), b("two")), "not the expected value");
        assertTrue(mount.compareAndPut("k", Optional.of(b("one")), b("two")));
        assertArrayEquals(b("two"), mount.get("k").orElseThrow());
        assertFalse(root.sub("logical/m2/").compareAndPut("k", Optional.of(b("two")), b("x")), "another mount's key");
    }
}
