package io.custos.broker.token;

import io.custos.broker.barrier.AesGcmBarrier;
import io.custos.broker.barrier.SealedException;
import io.custos.broker.storage.ClusterLock;
import io.micronaut.scheduling.annotation.Scheduled;
import jakarta.inject.Singleton;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
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

    private final TokenStore tokens;
    private final AesGcmBarrier barrier;
    private final ClusterLock lock;
    private final AtomicBoolean tidying = new AtomicBoolean();

    public TokenSweeper(TokenStore tokens, AesGcmBarrier barrier, ClusterLock lock) {
        this.tokens = tokens;
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
        lock.runIfFree(LOCK_KEY, () -> removed[0] = tokens.sweepExpired());
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
                    Map<String, Long> removed = tokens.tidy();
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
}
