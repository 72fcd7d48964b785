package io.custos.broker.lease;

import io.custos.broker.barrier.SealedException;
import io.custos.broker.config.LeaseConfiguration;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Requires;
import jakarta.annotation.PreDestroy;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The expiry workers of this node: each thread claims a page of due leases, and goes straight
 * on while pages come back full, else sleeps for the poll interval (or until {@link #wake}).
 * Several nodes on one database share the work through {@code SKIP LOCKED}.
 */
@Context
@Requires(property = "custos.leases.workers-enabled", notEquals = "false")
public class ExpiryWorkers {
    private static final Logger LOG = LoggerFactory.getLogger(ExpiryWorkers.class);

    private final LeaseManager leases;
    private final LeaseConfiguration config;
    private final List<Thread> threads = new ArrayList<>();
    private final Object signal = new Object();
    private volatile boolean stopped;

    public ExpiryWorkers(LeaseManager leases, LeaseConfiguration config) {
        this.leases = leases;
        this.config = config;
        for (int i = 0; i < Math.max(1, config.getWorkers()); i++) {
            Thread t = new Thread(this::run, "custos-lease-expiry-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
        leases.onWork(this::wake);
    }

    /** Work was queued (an asynchronous revocation): stop sleeping. */
    public void wake() {
        synchronized (signal) {
            signal.notifyAll();
        }
    }

    private void run() {
        long failures = 0;
        while (!stopped) {
            int handled = 0;
            try {
                handled = leases.expireDue();
                failures = 0;
            } catch (SealedException e) {
                // nothing to do until unsealed
            } catch (RuntimeException e) {
                if (failures++ % 60 == 0) {
                    LOG.warn("lease expiry pass failed (will keep trying): {}", LeaseManager.describe(e));
                }
            }
            if (handled < config.getBatchSize()) {
                synchronized (signal) {
                    if (stopped) {
                        return;
                    }
                    try {
                        signal.wait(config.getPollInterval().toMillis());
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
        }
    }

    @PreDestroy
    void stop() {
        stopped = true;
        wake();
        for (Thread t : threads) {
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
