package io.custos.engine.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** A value built from configuration is kept until a change is announced, and never past a change raced with its build. */
class DerivedTest {
    private final SwitchableSystemView system = new SwitchableSystemView();
    private final Derived<String> derived = new Derived<>(system);
    private final AtomicReference<String> config = new AtomicReference<>("old");
    private final AtomicInteger builds = new AtomicInteger();

    private String get() {
        return derived.get(() -> {
            builds.incrementAndGet();
            return "built from " + config.get();
        });
    }

    @Test
    void keptUntilInvalidated() {
        assertEquals("built from old", get());
        config.set("new");
        assertEquals("built from old", get(), "nothing announced yet");
        assertEquals(1, builds.get());
        derived.invalidate();
        assertEquals("built from new", get());
        assertEquals("built from new", get());
        assertEquals(2, builds.get());
    }

    /**
     * The race a plain field loses: a login reads the old configuration, the change is announced
     * (the field cleared), then the login stores what it built from the old one — kept for good.
     */
    @Test
    void aBuildThatRacedAnInvalidationServesItsCallButIsNotKept() {
        String first = derived.get(() -> {
            String read = config.get(); // the old configuration, read before the change
            config.set("new");
            derived.invalidate(); // the change announced while this build was under way
            return "built from " + read;
        });
        assertEquals("built from old", first);
        assertEquals("built from new", get(), "the raced build was not kept");
    }

    @Test
    void nothingHeldIsAnsweredWhileCachesMayNotBeTrusted() {
        assertEquals("built from old", get());
        system.cachesValid(false); // the change feed is down: a change elsewhere may go unheard
        config.set("new");
        assertEquals("built from new", get(), "what was held is not trusted");
        config.set("newer");
        assertEquals("built from newer", get(), "nor is anything built meanwhile");
        assertEquals(3, builds.get());
        derived.invalidate(); // the feed is back: every engine is told everything may have changed
        system.cachesValid(true);
        assertEquals("built from newer", get());
        assertEquals("built from newer", get());
        assertEquals(4, builds.get(), "kept again once trusted");
    }
}
