package io.custos.broker.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Each pooled object has one user at a time, however many threads ask, and what one user wrote
 * the next sees; a caller finding every slot taken waits for one to be given back.
 */
class SlotPoolTest {

    /** A pooled object that notices a second user. */
    private static final class Guarded {
        final AtomicBoolean inUse = new AtomicBoolean();
        int uses; // plain field: a lost update would show a missing happens-before between users

        int use() {
            if (!inUse.compareAndSet(false, true)) {
                throw new AssertionError("two users at once");
            }
            try {
                uses++;
                Thread.onSpinWait();
                return uses;
            } finally {
                inUse.set(false);
            }
        }
    }

    @Test
    void manyThreadsNeverShareAnObjectAndNoUseIsLost() throws Exception {
        AtomicInteger made = new AtomicInteger();
        List<Guarded> all = Collections.synchronizedList(new ArrayList<>());
        SlotPool<Guarded> pool = new SlotPool<>(() -> {
            made.incrementAndGet();
            Guarded g = new Guarded();
            all.add(g);
            return g;
        });
        int threads = 64;
        int each = 5_000;
        ExecutorService many = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                done.add(many.submit(() -> {
                    for (int i = 0; i < each; i++) {
                        pool.with(Guarded::use);
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            many.shutdownNow();
        }
        assertTrue(made.get() >= 1 && made.get() <= 16, "at most one object per slot: " + made.get());
        int[] total = {0};
        pool.forEach(g -> total[0] += g.uses);
        assertEquals(threads * each, total[0], "every use counted once, none lost between users");
        assertEquals(made.get(), all.size());
    }

    @Test
    void aCallerFindingEverySlotTakenWaitsForOne() throws Exception {
        SlotPool<Guarded> pool = new SlotPool<>(Guarded::new);
        int slots = 0;
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger held = new AtomicInteger();
        List<Thread> holders = new ArrayList<>();
        // take every slot: each holder keeps its slot until released
        for (int i = 0; i < 64; i++) {
            Thread t = new Thread(() -> pool.with(g -> {
                held.incrementAndGet();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return g.use();
            }));
            t.start();
            holders.add(t);
            slots++;
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
            while (held.get() < slots && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            if (held.get() < slots) {
                slots--; // this holder is waiting: every slot is taken
                break;
            }
        }
        assertTrue(slots >= 8 && slots <= 64, "slots taken: " + slots);
        AtomicBoolean got = new AtomicBoolean();
        Thread late = new Thread(() -> {
            holding.countDown();
            pool.with(g -> got.getAndSet(true));
        });
        late.start();
        holding.await();
        Thread.sleep(100);
        assertFalse(got.get(), "no slot was free");
        release.countDown();
        late.join(10_000);
        assertTrue(got.get(), "it took a slot once one was given back");
        for (Thread t : holders) {
            t.join(10_000);
        }
    }
}
