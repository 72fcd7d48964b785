package io.custos.engine.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Attempts to answer from memory: declared paths, their checks, and what ends an attempt. */
class NonBlockingTest {
    private final InMemoryStorage storage = new InMemoryStorage();
    private final AtomicInteger handled = new AtomicInteger();

    /** A backend whose reads of a stored value stop an attempt the way the broker's storage does. */
    private final FrameworkBackend backend = new FrameworkBackend() {
        @Override
        protected List<PathSpec> declarePaths() {
            return List.of(PathSpec.path("fast/(?P<name>[^/]+)")
                            .on(Operation.READ, (r, d) -> {
                                handled.incrementAndGet();
                                if (d.getString("name").startsWith("stored")) {
                                    NonBlocking.check(); // what PostgreSQL-backed storage does first
                                    return Response.of(Map.of("v", storage.get(d.getString("name")).isPresent()));
                                }
                                return Response.of(Map.of("name", d.getString("name")));
                            })
                            .nonBlocking(Operation.READ, (r, d) -> !d.getString("name").equals("refused"))
                            .on(Operation.UPDATE, (r, d) -> {
                                handled.incrementAndGet();
                                return null;
                            })
                            .nonBlocking(Operation.CREATE, (r, d) -> true)
                            .build(),
                    PathSpec.path("slow").on(Operation.READ, (r, d) -> {
                        handled.incrementAndGet();
                        return Response.of(Map.of());
                    }).build());
        }
    };

    @AfterEach
    void noAttemptLeftOpen() {
        assertFalse(NonBlocking.active());
    }

    private Response read(String path) {
        return backend.handle(new Request(Operation.READ, path, Map.of()));
    }

    @Test
    void outsideAnAttemptNothingStops() {
        NonBlocking.check();
        NonBlocking.decline();
        assertEquals("a", read("fast/a").data().get("name"));
        assertEquals(false, read("fast/stored").data().get("v"));
        assertEquals(Map.of(), read("slow").data());
    }

    @Test
    void aDeclaredPathWhoseCheckHoldsIsAnsweredInTheAttempt() {
        NonBlocking.begin();
        Response r = read("fast/a");
        assertEquals(NonBlocking.Outcome.ANSWERED, NonBlocking.end());
        assertEquals("a", r.data().get("name"));
    }

    @Test
    void anUndeclaredPathOrAFailedCheckIsDeclinedBeforeItsHandlerRuns() {
        for (String path : new String[] {"slow", "fast/refused"}) {
            NonBlocking.begin();
            assertThrows(NonBlocking.WouldBlock.class, () -> read(path));
            assertEquals(NonBlocking.Outcome.DECLINED, NonBlocking.end(), path);
        }
        assertEquals(0, handled.get(), "no handler ran");
    }

    @Test
    void somethingThatWouldWaitEndsTheAttemptEvenWhenTheExceptionIsCaught() {
        NonBlocking.begin();
        try {
            read("fast/stored");
        } catch (NonBlocking.WouldBlock e) {
            // an engine that swallows it: the outcome still says the answer is void
        }
        assertThrows(NonBlocking.WouldBlock.class, NonBlocking::check, "every later wait stops too");
        assertEquals(NonBlocking.Outcome.WOULD_BLOCK, NonBlocking.end());
        assertEquals(NonBlocking.Outcome.ANSWERED, NonBlocking.end(), "ending resets the thread");
    }

    @Test
    void aWriteIsDeclaredAsCreateOrUpdateAlike() {
        PathSpec spec = backend.paths().get(0);
        assertTrue(spec.mayAnswerWithoutBlocking(Operation.UPDATE));
        assertTrue(spec.mayAnswerWithoutBlocking(Operation.CREATE));
        assertFalse(spec.mayAnswerWithoutBlocking(Operation.DELETE));
        assertFalse(backend.paths().get(1).mayAnswerWithoutBlocking(Operation.READ));
        NonBlocking.begin();
        backend.handle(new Request(Operation.UPDATE, "fast/x", Map.of()));
        assertEquals(NonBlocking.Outcome.ANSWERED, NonBlocking.end());
        assertEquals(1, handled.get());
    }

    @Test
    void aDeferredWriteIsHandedOverOnlyWhenTheAttemptIsAnswered() {
        AtomicInteger started = new AtomicInteger();
        Supplier<CompletableFuture<Void>> write = () -> {
            started.incrementAndGet();
            return CompletableFuture.completedFuture(null);
        };
        assertFalse(NonBlocking.defer(write), "outside an attempt the caller writes now");

        NonBlocking.begin();
        assertTrue(NonBlocking.defer(write));
        assertEquals(NonBlocking.Outcome.ANSWERED, NonBlocking.end());
        List<Supplier<CompletableFuture<Void>>> handed = NonBlocking.takeDeferred();
        assertEquals(1, handed.size());
        assertEquals(0, started.get(), "kept, not started, during the attempt");
        assertTrue(NonBlocking.takeDeferred().isEmpty(), "handed over once");

        NonBlocking.begin();
        assertTrue(NonBlocking.defer(write));
        assertThrows(NonBlocking.WouldBlock.class, NonBlocking::check);
        assertEquals(NonBlocking.Outcome.WOULD_BLOCK, NonBlocking.end());
        assertTrue(NonBlocking.takeDeferred().isEmpty(), "a discarded attempt's writes are dropped with it");

        NonBlocking.begin();
        assertEquals(NonBlocking.Outcome.ANSWERED, NonBlocking.end());
        assertTrue(NonBlocking.takeDeferred().isEmpty(), "a new attempt starts with none");
        assertEquals(0, started.get());
    }

    @Test
    void aRecordPutThroughAPrefixedViewIsStillARecord() {
        List<String> records = new ArrayList<>();
        StorageView parent = new StorageView() {
            @Override public Optional<byte[]> get(String key) { return storage.get(key); }
            @Override public void put(String key, byte[] value) { storage.put(key, value); }
            @Override public void putRecord(String key, byte[] value) {
                records.add(key);
                storage.put(key, value);
            }
            @Override public void delete(String key) { storage.delete(key); }
            @Override public boolean compareAndPut(String key, Optional<byte[]> expected, byte[] value) {
                return storage.compareAndPut(key, expected, value);
            }
            @Override public List<String> list(String prefix) { return storage.list(prefix); }
        };
        parent.sub("pki/").sub("certs/").putRecord("01", new byte[] {1});
        assertEquals(List.of("pki/certs/01"), records, "forwarded as a record, not a plain put");
        assertTrue(storage.get("pki/certs/01").isPresent());
    }
}
