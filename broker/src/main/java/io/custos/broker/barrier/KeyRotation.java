package io.custos.broker.barrier;

import io.custos.broker.config.BarrierConfiguration;
import io.custos.broker.lease.LeaseManager;
import io.custos.broker.seal.Core;
import io.custos.broker.storage.PhysicalEntry;
import io.custos.broker.storage.PhysicalStorage;
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
 * Barrier key maintenance: rotates the keyring when the active term reaches its encryption
 * budget, persists encryption counts, and re-wraps the data keys of entries under older terms
 * onto the active one, page by page. Each re-wrap is a compare-and-swap on the stored bytes, so a
 * concurrent write always wins and nothing is lost. Values are never re-encrypted.
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
    private final PhysicalStorage physical;
    private final BarrierConfiguration config;
    private final Clock clock;
    private final LeaseManager leases;
    private final AtomicBoolean running = new AtomicBoolean();
    private final AtomicLong rewrapped = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private volatile Instant lastCompleted;
    private final long maxEncryptions;

    public KeyRotation(Core core, AesGcmBarrier barrier, PhysicalStorage physical, BarrierConfiguration config,
            Clock clock, LeaseManager leases) {
        this.leases = leases;
        this.core = core;
        this.barrier = barrier;
        this.physical = physical;
        this.config = config;
        this.clock = clock;
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
            String after = "";
            while (true) {
                List<PhysicalEntry> page = physical.entriesBelowTerm(target, after, config.getRewrapBatchSize());
                if (page.isEmpty()) {
                    break;
                }
                for (PhysicalEntry e : page) {
                    try {
                        byte[] next = barrier.rewrap(e.path(), e.value());
                        if (physical.replaceIfUnchanged(e.path(), e.value(), next, AesGcmBarrier.termOf(next))) {
                            done++;
                        }
                    } catch (IntegrityException ex) {
                        failed.incrementAndGet();
                        LOG.error("cannot re-wrap {}: {}", e.path(), ex.getMessage());
                    }
                }
                after = page.get(page.size() - 1).path();
            }
            done += leases.rewrap(target);
            rewrapped.addAndGet(done);
            lastCompleted = clock.instant();
        } finally {
            running.set(false);
        }
        return done;
    }

    public Progress progress() {
        int active = barrier.keyring().active().number();
        return new Progress(running.get(), rewrapped.get(), failed.get(), physical.countBelowTerm(active),
                physical.count(), lastCompleted);
    }
}
