package io.custos.broker.mount;

import io.custos.broker.barrier.AesGcmBarrier;
import io.custos.broker.storage.ClusterLock;
import io.custos.engine.sdk.SecretsEngine;
import io.micronaut.scheduling.annotation.Scheduled;
import jakarta.inject.Singleton;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs every mounted engine's {@code periodic} function about once a second, on one broker node
 * at a time (under a {@link ClusterLock}; a node that cannot take it skips the pass). So scheduled
 * work (static credential rotation) is never done twice.
 */
@Singleton
public class PeriodicFunctions {
    private static final Logger LOG = LoggerFactory.getLogger(PeriodicFunctions.class);
    /** The advisory lock key: "custos-periodic" as a stable 64-bit constant. */
    private static final long LOCK_KEY = 0x6375_7374_6f73_7065L;

    private final MountTable mounts;
    private final AesGcmBarrier barrier;
    private final ClusterLock lock;
    private final Clock clock;

    public PeriodicFunctions(MountTable mounts, AesGcmBarrier barrier, ClusterLock lock, Clock clock) {
        this.mounts = mounts;
        this.barrier = barrier;
        this.lock = lock;
        this.clock = clock;
    }

    @Scheduled(fixedDelay = "${custos.periodic-interval:1s}", initialDelay = "${custos.periodic-interval:1s}")
    void tick() {
        if (barrier.isSealed()) {
            return;
        }
        try {
            lock.runIfFree(LOCK_KEY, () -> {
                for (Mounts.Mounted<SecretsEngine> m : mounts.mounted()) {
                    try {
                        m.engine().periodic(clock.instant());
                    } catch (RuntimeException e) {
                        LOG.warn("periodic function of {} failed: {}", m.entry().path(),
                                e.getClass().getSimpleName() + ": " + e.getMessage());
                    }
                }
            });
        } catch (RuntimeException e) {
            // storage unavailable or sealed mid-pass: the next tick tries again
            LOG.debug("periodic functions skipped: {}", e.getClass().getSimpleName());
        }
    }
}
