package io.custos.broker.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A change announced for everything below a prefix (another broker's deletePrefix) drops the keys
 * the cache holds — and also what a read already under way had loaded from before the change,
 * which is not yet among the keys the sweep can see.
 */
class PrefixDropTest {
    private final CountDownLatch loading = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);
    private final AtomicInteger reads = new AtomicInteger();

    /** PostgreSQL's part: the first read returns the value from before the change, late; later ones find nothing. */
    private final PhysicalStorage db = (PhysicalStorage) Proxy.newProxyInstance(getClass().getClassLoader(),
            new Class<?>[] {PhysicalStorage.class}, (proxy, method, args) -> {
                if (method.getName().equals("put")) {
                    return null; // written
                }
                if (!method.getName().equals("get")) {
                    throw new UnsupportedOperationException(method.getName());
                }
                if (reads.incrementAndGet() == 1) {
                    loading.countDown();
                    release.await(10, TimeUnit.SECONDS);
                    return Optional.of(new PhysicalEntry("p/x", new byte[] {1}, 1)); // before the delete
                }
                return Optional.empty(); // deleted by another broker
            });
    private final CachedPhysicalStorage cache = new CachedPhysicalStorage(db, 1 << 20, CacheValidityForTests.valid());

    @Test
    void aLoadInFlightDuringAPrefixDropIsNotKept() throws Exception {
        Thread reader = new Thread(() -> cache.get("p/x"));
        reader.start();
        assertTrue(loading.await(5, TimeUnit.SECONDS));
        cache.changed("p/", true); // the notification of the other broker's deletePrefix("p/")
        release.countDown();
        reader.join();
        assertTrue(cache.get("p/x").isEmpty(), "the value read before the delete was not kept");
    }

    @Test
    void keysHeldBelowThePrefixAreDropped() {
        reads.set(1); // no slow first read here
        cache.put("p/y", new byte[] {2}, 1);
        assertArrayEquals(new byte[] {2}, cache.get("p/y").orElseThrow().value());
        cache.changed("p/", true);
        assertTrue(cache.get("p/y").isEmpty(), "read again from storage");
    }
}
