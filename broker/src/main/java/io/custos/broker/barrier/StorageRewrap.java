package io.custos.broker.barrier;

import io.custos.broker.config.BarrierConfiguration;
import io.custos.broker.storage.PhysicalEntry;
import io.custos.broker.storage.PhysicalStorage;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-wraps the barrier's stored entries onto the active term, page by page. Each re-wrap is a
 * compare-and-swap on the stored bytes, so a concurrent write always wins and nothing is lost.
 */
@Singleton
public class StorageRewrap implements Rewrappable {
    private static final Logger LOG = LoggerFactory.getLogger(StorageRewrap.class);

    private final PhysicalStorage physical;
    private final AesGcmBarrier barrier;
    private final int batchSize;
    private final AtomicLong failed = new AtomicLong();

    public StorageRewrap(PhysicalStorage physical, AesGcmBarrier barrier, BarrierConfiguration config) {
        this.physical = physical;
        this.barrier = barrier;
        this.batchSize = config.getRewrapBatchSize();
    }

    @Override
    public long rewrap(int activeTerm) {
        long done = 0;
        String after = "";
        while (true) {
            List<PhysicalEntry> page = physical.entriesBelowTerm(activeTerm, after, batchSize);
            if (page.isEmpty()) {
                return done;
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
    }

    @Override
    public long pending(int activeTerm) {
        return physical.countBelowTerm(activeTerm);
    }

    @Override
    public long total() {
        return physical.count();
    }

    @Override
    public long failed() {
        return failed.get();
    }
}
