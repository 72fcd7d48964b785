package io.custos.broker.storage;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.data.connection.jdbc.advice.DelegatingDataSource;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import javax.sql.DataSource;

/**
 * Writes of new records from many requests (issued certificates) committed together: whatever has
 * queued while the previous commit ran goes to PostgreSQL as one multi-row upsert in one
 * transaction, instead of a round trip, a commit and a worker per record. Each write's future
 * completes once its row is committed (or fails with the batch), and a request's answer waits
 * for it. One thread writes; the queue holds at most one write per request in flight.
 */
@Singleton
public class GroupCommit {
    /** Rows per statement: large enough to absorb any burst, small enough to bound one statement's size. */
    static final int MAX_BATCH = 256;
    private static final String UPSERT = "INSERT INTO custos_entries (path, value, key_term) "
            + "SELECT * FROM unnest(?::text[], ?::bytea[], ?::integer[]) "
            + "ON CONFLICT (path) DO UPDATE SET value = EXCLUDED.value, key_term = EXCLUDED.key_term";

    record Write(String path, byte[] value, int keyTerm, CompletableFuture<Void> committed) {
    }

    private final DataSource dataSource;
    private final LinkedBlockingQueue<Write> queue = new LinkedBlockingQueue<>();
    private final Thread writer;
    private volatile boolean stopping;

    private final DistributionSummary rows;

    public GroupCommit(DataSource dataSource, MeterRegistry meters) {
        this.dataSource = DelegatingDataSource.unwrapDataSource(dataSource);
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
            committed.completeExceptionally(new StorageException("the broker is stopping", null));
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
        while (!stopping) {
            try {
                batch.add(queue.take());
            } catch (InterruptedException e) {
                break;
            }
            queue.drainTo(batch, MAX_BATCH - 1);
            commit(batch);
            batch.clear();
        }
        failAll(new StorageException("the broker is stopping", null));
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
            rows.record(n);
            if (!c.getAutoCommit()) {
                c.commit();
            }
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
        failAll(new StorageException("the broker is stopping", null));
    }
}
