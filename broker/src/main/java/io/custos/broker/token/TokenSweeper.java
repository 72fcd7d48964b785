package io.custos.broker.token;

import io.custos.broker.barrier.AesGcmBarrier;
import io.custos.broker.barrier.BarrierStorage;
import io.custos.broker.barrier.SealedException;
import io.custos.broker.storage.ClusterLock;
import io.custos.engine.sdk.Json;
import io.micronaut.scheduling.annotation.Scheduled;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes expired tokens from storage (and so from every cache) in the background, every
 * {@code custos.tokens.tidy-interval}, on one node at a time; and runs {@code auth/token/tidy}'s
 * full pass on request. Without it every login would grow storage and memory for ever.
 */
@Singleton
public class TokenSweeper {
    private static final Logger LOG = LoggerFactory.getLogger(TokenSweeper.class);
    /** The advisory lock key: "custos-tokens" as a stable 64-bit constant. */
    private static final long LOCK_KEY = 0x6375_7374_6f73_746bL;

    /** Removals the sweep runs at once. */
    private static final int SWEEP_WORKERS = 4;

    private final TokenStore tokens;
    private final BarrierStorage storage;
    private final Clock clock;
    private final AesGcmBarrier barrier;
    private final ClusterLock lock;
    private final AtomicBoolean tidying = new AtomicBoolean();

    public TokenSweeper(TokenStore tokens, BarrierStorage storage, Clock clock, AesGcmBarrier barrier,
            ClusterLock lock) {
        this.tokens = tokens;
        this.storage = storage;
        this.clock = clock;
        this.barrier = barrier;
        this.lock = lock;
    }

    @Scheduled(fixedDelay = "${custos.tokens.tidy-interval:1m}", initialDelay = "${custos.tokens.tidy-interval:1m}")
    void sweep() {
        if (barrier.isSealed()) {
            return;
        }
        try {
            sweepNow();
        } catch (SealedException e) {
            // sealed during the pass: the next unsealed pass finishes the work
        } catch (RuntimeException e) {
            LOG.warn("token sweep postponed: {}", e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    /** One sweep now, if no other node is sweeping; returns how many tokens it removed (-1: skipped). */
    public int sweepNow() {
        int[] removed = {-1};
        lock.runIfFree(LOCK_KEY, () -> removed[0] = sweepExpired());
        if (removed[0] > 0) {
            LOG.info("token sweep removed {} expired tokens", removed[0]);
        }
        return removed[0];
    }

    /** Starts {@code auth/token/tidy}'s full pass in the background; false if one is already running here. */
    public boolean startTidy() {
        if (!tidying.compareAndSet(false, true)) {
            return false;
        }
        Thread t = new Thread(() -> {
            try {
                boolean ran = lock.runIfFree(LOCK_KEY, () -> {
                    Map<String, Long> removed = tidy();
                    LOG.info("token tidy finished: removed {}", removed);
                });
                if (!ran) {
                    LOG.info("token tidy skipped: another node is sweeping tokens");
                }
            } catch (RuntimeException e) {
                LOG.warn("token tidy failed: {}", e.getClass().getSimpleName() + ": " + e.getMessage());
            } finally {
                tidying.set(false);
            }
        }, "custos-token-tidy");
        t.setDaemon(true);
        t.start();
        return true;
    }

    /**
     * Removes every token that expired by now (with its accessor, child links, leases and expiry
     * marker; expired parents take their children with them), visiting only the minutes already
     * past in the expiry index. Returns how many tokens were removed. Safe to run on several nodes
     * (deletes are idempotent); the broker runs it on one node at a time.
     */
    int sweepExpired() {
        long now = clock.instant().getEpochSecond();
        long nowMinute = now / 60;
        AtomicInteger removed = new AtomicInteger();
        // each removal is a handful of round trips to PostgreSQL: several at once, not one after another
        ExecutorService workers = Executors.newFixedThreadPool(SWEEP_WORKERS, r -> {
            Thread t = new Thread(r, "custos-token-sweep");
            t.setDaemon(true);
            return t;
        });
        try {
            for (String bucket : storage.list(TokenStore.EXPIRY_PREFIX)) {
                String minuteText = bucket.endsWith("/") ? bucket.substring(0, bucket.length() - 1) : bucket;
                long minute;
                try {
                    minute = Long.parseLong(minuteText);
                } catch (NumberFormatException e) {
                    continue; // not a bucket of ours
                }
                if (minute > nowMinute) {
                    break; // buckets list in ascending order (zero-padded)
                }
                String prefix = TokenStore.EXPIRY_PREFIX + minuteText + "/";
                long bucketMinute = minute;
                List<Future<?>> pending = new ArrayList<>();
                for (String hash : storage.list(prefix)) {
                    pending.add(workers.submit(() -> {
                        TokenEntry e = storage.get(TokenStore.ID_PREFIX + hash).map(b -> Json.read(b, TokenEntry.class)).orElse(null);
                        if (e != null && e.isExpired(now)) {
                            tokens.revoke(hash, false);
                            removed.incrementAndGet();
                        } else if (e == null || e.expireTime() == 0 || e.expireTime() / 60 != bucketMinute) {
                            storage.delete(prefix + hash); // revoked, or renewed into a later minute
                        }
                    }));
                }
                awaitAll(pending);
            }
        } finally {
            workers.shutdownNow();
        }
        return removed.get();
    }

    /** Waits for every task; the first failure (storage down, sealed) is rethrown after all ended. */
    private static void awaitAll(List<Future<?>> tasks) {
        RuntimeException first = null;
        for (Future<?> f : tasks) {
            try {
                f.get();
            } catch (ExecutionException e) {
                if (first == null) {
                    first = e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while sweeping tokens", e);
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /**
     * {@code auth/token/tidy}: a full pass over every token (also those stored before the expiry
     * index existed) removing expired ones and invalid children, then accessor and child links
     * that point at tokens no longer stored. Returns what it removed, by kind.
     */
    Map<String, Long> tidy() {
        long now = clock.instant().getEpochSecond();
        long tokensRemoved = sweepExpired();
        for (String hash : storage.list(TokenStore.ID_PREFIX)) {
            TokenEntry e = storage.get(TokenStore.ID_PREFIX + hash).map(b -> Json.read(b, TokenEntry.class)).orElse(null);
            if (e == null) {
                continue;
            }
            if (e.isExpired(now) || (!e.parentAccessor().isEmpty() && parentGone(e.parentAccessor()))) {
                tokens.revoke(hash, false);
                tokensRemoved++;
            } else {
                tokens.markExpiry(hash, e);
            }
        }
        long accessorsRemoved = deleteDangling(TokenStore.ACCESSOR_PREFIX);
        long linksRemoved = 0;
        for (String parent : storage.list(TokenStore.PARENT_PREFIX)) {
            if (parent.endsWith("/")) {
                linksRemoved += deleteDangling(TokenStore.PARENT_PREFIX + parent);
            }
        }
        Map<String, Long> out = new LinkedHashMap<>();
        out.put("tokens", tokensRemoved);
        out.put("accessors", accessorsRemoved);
        out.put("child_links", linksRemoved);
        return out;
    }

    /** Deletes the entries of {@code folder} (each holding a token hash) whose token is no longer stored. */
    private long deleteDangling(String folder) {
        long removed = 0;
        for (String key : storage.list(folder)) {
            String target = storage.get(folder + key).map(h -> new String(h, StandardCharsets.US_ASCII)).orElse(null);
            if (target != null && storage.get(TokenStore.ID_PREFIX + target).isEmpty()) {
                storage.delete(folder + key);
                removed++;
            }
        }
        return removed;
    }

    private boolean parentGone(String parentAccessor) {
        return storage.get(TokenStore.ACCESSOR_PREFIX + tokens.hash(parentAccessor))
                .map(h -> storage.get(TokenStore.ID_PREFIX + new String(h, StandardCharsets.US_ASCII)).isEmpty())
                .orElse(true);
    }
}
