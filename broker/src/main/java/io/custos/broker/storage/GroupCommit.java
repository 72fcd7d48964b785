package io.custos.broker.storage;

import io.custos.broker.config.StorageConfiguration;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.data.connection.jdbc.advice.DelegatingDataSource;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;

/**
 * Writes of new records from many requests (issued certificates) committed together: whatever has
 * queued while the previous commit ran goes to PostgreSQL as one multi-row upsert in one
 * transaction, instead of a round trip, a commit and a worker per record. Each write's future
 * completes once its row is committed (or fails with the batch), and a request's answer waits
 * for it. One thread writes; the queue holds at most one write per request in flight. While
 * other requests are storing records too, a statement waits up to {@code
 * custos.storage.group-commit-linger-us} for company ({@link #GATHER} rows), which costs
 * PostgreSQL less per record than committing whatever is due at once (docs/benchmarks.md).
 */
@Context // created at start-up, so that a wrong linger stops the broker there
public class GroupCommit {
    /** Rows per statement: large enough to absorb any burst, small enough to bound one statement's size. */
    static final int MAX_BATCH = 256;
    /**
     * Rows a lingering statement waits for: by four rows a statement's own cost is mostly shared
     * (PostgreSQL 15 here: 87, 56 and 42 µs of its CPU per row for statements of 1, 4 and 16 rows).
     */
    static final int GATHER = 4;
    /** A linger beyond a second would only hold answers back. */
    static final long MAX_LINGER_US = 1_000_000;
    private static final String UPSERT = "INSERT INTO custos_entries (path, value, key_term) "
            + "SELECT * FROM unnest(?::text[], ?::bytea[], ?::integer[]) "
            + "ON CONFLICT (path) DO UPDATE SET value = EXCLUDED.value, key_term = EXCLUDED.key_term";

    record Write(String path, byte[] value, int keyTerm, CompletableFuture<Void> committed) {
    }

    private final DataSource dataSource;
    private final long lingerNanos;
    private final LinkedBlockingQueue<Write> queue = new LinkedBlockingQueue<>();
    private final Thread writer;
    private volatile boolean stopping;

    private final DistributionSummary rows;

    @Inject
    public GroupCommit(DataSource dataSource, MeterRegistry meters, StorageConfiguration config) {
        this(dataSource, meters, linger(config.getGroupCommitLingerUs()));
    }

    static Duration linger(long micros) {
        if (micros < 0 || micros > MAX_LINGER_US) {
            throw new ConfigurationException("custos.storage.group-commit-linger-us must be between 0 and "
                    + MAX_LINGER_US + " (a second), not " + micros);
        }
        return Duration.ofNanos(micros * 1000);
    }

    GroupCommit(DataSource dataSource, MeterRegistry meters, Duration linger) {
        this.dataSource = DelegatingDataSource.unwrapDataSource(dataSource);
        this.lingerNanos = linger.toNanos();
        this.rows = DistributionSummary.builder("custos.storage.group_commit.rows")
                .description("Records committed together (issued certificates): rows per statement")
                .register(meters);
        this.writer = new Thread(this::run, "custos-group-commit");
        writer.setDaemon(true);
    }

    /** Queues an upsert of {@code path}; the future completes when it is committed. */
    public CompletableFuture<Void> put(String path, byte[] value, int keyTerm) {
        CompletableFuture<Void> committed = new CompletableFuture<>();
        if (stopping) {
            committed.completeExceptionally(stopped());
            return committed;
        }
        startOnce();
        queue.add(new Write(path, value, keyTerm, committed));
        return committed;
    }

    private void startOnce() {
        if (!writer.isAlive()) {
            synchronized (writer) {
                if (writer.getState() == Thread.State.NEW) {
                    writer.start();
                }
            }
        }
    }

    private void run() {
        List<Write> batch = new ArrayList<>();
        int previous = 1;
        while (!stopping) {
            try {
                batch.add(queue.take());
                queue.drainTo(batch, MAX_BATCH - 1);
                if (previous > 1 && lingerNanos > 0) {
                    gather(batch);
                }
            } catch (InterruptedException e) {
                batch.forEach(w -> w.committed().completeExceptionally(stopped()));
                break;
            }
            previous = batch.size();
            commit(batch);
            batch.clear();
        }
        failAll(stopped());
    }

    /**
     * Waits, at most the linger, until {@link #GATHER} records are due: called only when the
     * previous statement had company, that is when other requests are storing records too (a lone
     * request is never held back).
     */
    private void gather(List<Write> batch) throws InterruptedException {
        long deadline = System.nanoTime() + lingerNanos;
        while (batch.size() < GATHER) {
            long left = deadline - System.nanoTime();
            Write next = left > 0 ? queue.poll(left, TimeUnit.NANOSECONDS) : null;
            if (next == null) {
                return;
            }
            batch.add(next);
            queue.drainTo(batch, MAX_BATCH - batch.size());
        }
    }

    private static StorageException stopped() {
        return new StorageException("the broker is stopping", null);
    }

    /** One statement for the batch; a path queued twice is written once, with its last value. */
    void commit(List<Write> batch) {
        Map<String, Write> last = new LinkedHashMap<>();
        for (Write w : batch) {
            last.put(w.path(), w);
        }
        int n = last.size();
        String[] paths = new String[n];
        byte[][] values = new byte[n][];
        Integer[] terms = new Integer[n];
        int i = 0;
        for (Write w : last.values()) {
            paths[i] = w.path();
            values[i] = w.value();
            terms[i++] = w.keyTerm();
        }
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(UPSERT)) {
            s.setArray(1, c.createArrayOf("text", paths));
            s.setArray(2, c.createArrayOf("bytea", values));
            s.setArray(3, c.createArrayOf("integer", terms));
            s.executeUpdate();
            if (!c.getAutoCommit()) {
                c.commit();
            }
            rows.record(n);
        } catch (SQLException | RuntimeException e) {
            StorageException failure = new StorageException("storage is unavailable", e);
            batch.forEach(w -> w.committed().completeExceptionally(failure));
            return;
        }
        batch.forEach(w -> w.committed().complete(null));
    }

    private void failAll(StorageException failure) {
        for (Write w; (w = queue.poll()) != null; ) {
            w.committed().completeExceptionally(failure);
        }
    }

    @PreDestroy
    void stop() {
        stopping = true;
        writer.interrupt();
        failAll(stopped());
    }
}
