package io.custos.broker.seal;

import io.custos.broker.barrier.AesGcmBarrier;
import io.custos.broker.barrier.Keyring;
import io.custos.broker.barrier.Rewrappable;
import io.custos.broker.barrier.SealedException;
import io.custos.broker.config.BarrierConfiguration;
import io.micronaut.scheduling.annotation.Scheduled;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keyring maintenance, beside the keyring it rotates: adds a term when the active one reaches its
 * encryption budget (or on sys/rotate), persists encryption counts, and has everything held
 * under older terms re-wrapped onto the active one through {@link Rewrappable} (the barrier's
 * entries, lease rows). Values are never re-encrypted.
 */
@Singleton
public class KeyRotation {
    private static final Logger LOG = LoggerFactory.getLogger(KeyRotation.class);

    /** Re-wrap progress for sys/key-status. */
    public record Progress(boolean inProgress, long rewrapped, long failed, long pending, long total,
            Instant lastCompleted) {
    }

    private final Core core;
    private final AesGcmBarrier barrier;
    private final Clock clock;
    private final List<Rewrappable> rewrappables;
    private final AtomicBoolean running = new AtomicBoolean();
    private final AtomicLong rewrapped = new AtomicLong();
    private volatile Instant lastCompleted;
    private final long maxEncryptions;

    public KeyRotation(Core core, AesGcmBarrier barrier, BarrierConfiguration config, Clock clock,
            List<Rewrappable> rewrappables) {
        this.core = core;
        this.barrier = barrier;
        this.clock = clock;
        this.rewrappables = List.copyOf(rewrappables);
        this.maxEncryptions = clampedMaxEncryptions(config.getRotationMaxEncryptions());
    }

    /**
     * The encryption budget of one term, clamped as Vault clamps it: at most
     * {@link BarrierConfiguration#ABSOLUTE_MAX_ENCRYPTIONS} (≈ 2^31.85, where random 96-bit GCM
     * nonces reach a 2^-32 collision chance), and at least one.
     */
    static long clampedMaxEncryptions(long configured) {
        if (configured > BarrierConfiguration.ABSOLUTE_MAX_ENCRYPTIONS) {
            LOG.warn("custos.barrier.rotation-max-encryptions {} is above the safe limit; using {}", configured,
                    BarrierConfiguration.ABSOLUTE_MAX_ENCRYPTIONS);
            return BarrierConfiguration.ABSOLUTE_MAX_ENCRYPTIONS;
        }
        return Math.max(1, configured);
    }

    /** sys/rotate: a new term now, then re-wrap in the background. */
    public Keyring.Term rotateNow() {
        Keyring.Term term = core.rotate();
        Thread t = new Thread(this::rewrapAll, "custos-rewrap");
        t.setDaemon(true);
        t.start();
        return term;
    }

    @Scheduled(fixedDelay = "${custos.barrier.maintenance-interval:10s}",
            initialDelay = "${custos.barrier.maintenance-interval:10s}")
    void maintain() {
        if (barrier.isSealed()) {
            return;
        }
        try {
            // counts are every node's: this node's are added to storage first, then checked
            core.syncKeyring();
            int term = barrier.keyring().active().number();
            long used = barrier.encryptionsUnderActiveTerm();
            if (used >= maxEncryptions) {
                LOG.info("keyring term {} reached {} encryptions; rotating", term, used);
                core.rotateFrom(term);
            }
            rewrapAll();
        } catch (SealedException e) {
            // sealed between the check and the work: nothing to do
        } catch (RuntimeException e) {
            LOG.warn("barrier maintenance postponed: {}", e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    /** Re-wraps every entry under an older term; returns the number re-wrapped in this pass. */
    public long rewrapAll() {
        if (!running.compareAndSet(false, true)) {
            return 0;
        }
        long done = 0;
        try {
            int target = barrier.keyring().active().number();
            for (Rewrappable r : rewrappables) {
                done += r.rewrap(target);
            }
            rewrapped.addAndGet(done);
            lastCompleted = clock.instant();
        } finally {
            running.set(false);
        }
        return done;
    }

    public Progress progress() {
        int active = barrier.keyring().active().number();
        return new Progress(running.get(), rewrapped.get(), rewrappables.stream().mapToLong(Rewrappable::failed).sum(),
                rewrappables.stream().mapToLong(r -> r.pending(active)).sum(),
                rewrappables.stream().mapToLong(Rewrappable::total).sum(), lastCompleted);
    }
}
