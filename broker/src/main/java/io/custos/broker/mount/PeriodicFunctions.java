package io.custos.broker.mount;

import io.custos.broker.barrier.AesGcmBarrier;
import io.micronaut.data.connection.jdbc.advice.DelegatingDataSource;
import io.micronaut.scheduling.annotation.Scheduled;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs every mounted engine's {@code periodic} function about once a second, on one broker node
 * at a time: the pass holds a transaction-scoped PostgreSQL advisory lock, and a node that cannot
 * take it skips the pass. So scheduled work (static credential rotation) is never done twice.
 */
@Singleton
public class PeriodicFunctions {
    private static final Logger LOG = LoggerFactory.getLogger(PeriodicFunctions.class);
    /** The advisory lock key: "custos-periodic" as a stable 64-bit constant. */
    private static final long LOCK_KEY = 0x6375_7374_6f73_7065L;

    private final MountTable mounts;
    private final AesGcmBarrier barrier;
    private final DataSource dataSource;
    private final Clock clock;

    public PeriodicFunctions(MountTable mounts, AesGcmBarrier barrier, DataSource dataSource, Clock clock) {
        this.mounts = mounts;
        this.barrier = barrier;
        this.dataSource = DelegatingDataSource.unwrapDataSource(dataSource);
        this.clock = clock;
    }

    @Scheduled(fixedDelay = "${custos.periodic-interval:1s}", initialDelay = "${custos.periodic-interval:1s}")
    void tick() {
        if (barrier.isSealed()) {
            return;
        }
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement s = c.prepareStatement("SELECT pg_try_advisory_xact_lock(?)")) {
                s.setLong(1, LOCK_KEY);
                try (ResultSet rs = s.executeQuery()) {
                    if (!rs.next() || !rs.getBoolean(1)) {
                        c.rollback();
                        return;
                    }
                }
            }
            for (MountTable.Mounted m : mounts.mounted()) {
                try {
                    m.engine().periodic(clock.instant());
                } catch (RuntimeException e) {
                    LOG.warn("periodic function of {} failed: {}", m.entry().path(),
                            e.getClass().getSimpleName() + ": " + e.getMessage());
                }
            }
            c.rollback();
        } catch (SQLException e) {
            LOG.debug("periodic functions skipped: storage unavailable");
        } catch (RuntimeException e) {
            LOG.debug("periodic functions skipped: {}", e.getClass().getSimpleName());
        }
    }
}
