package io.custos.broker.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.custos.engine.sdk.NonBlocking;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The storage cache in an attempt to answer on an I/O thread: a hit is answered, a miss ends the
 * attempt at once — never by loading, and never by waiting for a load another thread has under way
 * for the same key (PostgreSQL down, that wait is the connection timeout, and the I/O thread serves
 * every connection it owns).
 */
class CacheOnIoThreadTest {
    private final CountDownLatch loading = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);
    private final AtomicInteger loads = new AtomicInteger();

    /** PostgreSQL's part: a read of "slow" that hangs until released; every read counted. */
    private final PhysicalStorage db = (PhysicalStorage) Proxy.newProxyInstance(getClass().getClassLoader(),
            new Class<?>[] {PhysicalStorage.class}, (proxy, method, args) -> {
                if (!method.getName().equals("get")) {
                    throw new UnsupportedOperationException(method.getName());
                }
                loads.incrementAndGet();
                if (args[0].equals("slow")) {
                    loading.countDown();
                    release.await(10, TimeUnit.SECONDS);
                }
                return Optional.of(new PhysicalEntry((String) args[0], new byte[] {1}, 1));
            });
    private final CachedPhysicalStorage cache = new CachedPhysicalStorage(db, 1 << 20, CacheValidityForTests.valid());

    @Test
    void aHitIsAnsweredAndAMissEndsTheAttemptWithoutLoading() {
        cache.get("held");
        int before = loads.get();
        NonBlocking.begin();
        try {
            assertTrue(cache.get("held").isPresent());
            assertThrows(NonBlocking.WouldBlock.class, () -> cache.get("absent"));
        } finally {
            assertEquals(NonBlocking.Outcome.WOULD_BLOCK, NonBlocking.end());
        }
        assertEquals(before, loads.get(), "nothing was read from PostgreSQL in the attempt");
    }

    @Test
    void anAttemptDoesNotWaitForAnotherThreadsLoadOfTheSameKey() throws Exception {
        Thread worker = new Thread(() -> cache.get("slow"));
        worker.start();
        assertTrue(loading.await(5, TimeUnit.SECONDS));
        try {
            assertTimeoutPreemptively(Duration.ofSeconds(2), () -> {
                NonBlocking.begin();
                try {
                    assertThrows(NonBlocking.WouldBlock.class, () -> cache.get("slow"));
                } finally {
                    NonBlocking.end();
                }
            });
        } finally {
            release.countDown();
            worker.join();
        }
        assertFalse(NonBlocking.active());
        assertTrue(cache.get("slow").isPresent(), "the worker's load is kept");
    }
}
