package io.custos.broker.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.custos.broker.http.BrokerHttpTest;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.data.connection.jdbc.advice.DelegatingDataSource;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Records from many requests committed together to the real PostgreSQL: each future completes
 * only once its row can be read, a path queued twice in one batch is written once with its last
 * value, a failed commit fails every write of its batch, a statement with company waits for more
 * records while a lone one is committed at once, and the storage cache forgets a path it
 * remembered as absent once a record there is committed.
 */
@MicronautTest(transactional = false)
class GroupCommitTest extends BrokerHttpTest {
    @Inject
    GroupCommit group;

    @Inject
    PostgresPhysicalStorage postgres;

    @Inject
    DataSource dataSource;

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void everyRecordIsReadableOnceItsFutureCompletes() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Integer>> writers = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int writer = t;
                writers.add(pool.submit(() -> {
                    int seen = 0;
                    for (int i = 0; i < 40; i++) {
                        String path = "group/many/" + writer + "-" + i;
                        group.put(path, b(path), 1).join();
                        Optional<PhysicalEntry> read = postgres.get(path);
                        seen += read.isPresent() && new String(read.get().value(), StandardCharsets.UTF_8).equals(path)
                                ? 1 : 0;
                    }
                    return seen;
                }));
            }
            int seen = 0;
            for (Future<Integer> w : writers) {
                seen += w.get();
            }
            assertEquals(320, seen, "each record committed before its future completed");
            assertEquals(320, postgres.countWithPrefix("group/many/"));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aPathQueuedTwiceInOneBatchIsWrittenOnceWithItsLastValue() {
        // PostgreSQL refuses an upsert that touches one row twice: the batch must not send both
        List<GroupCommit.Write> batch = new ArrayList<>();
        for (String v : new String[] {"first", "other", "last"}) {
            String path = v.equals("other") ? "group/twice/other" : "group/twice/same";
            batch.add(new GroupCommit.Write(path, b(v), 1, new CompletableFuture<>()));
        }
        group.commit(batch);
        for (GroupCommit.Write w : batch) {
            assertTrue(w.committed().isDone() && !w.committed().isCompletedExceptionally(), w.path());
        }
        assertArrayEquals(b("last"), postgres.get("group/twice/same").orElseThrow().value());
        assertArrayEquals(b("other"), postgres.get("group/twice/other").orElseThrow().value());
    }

    @Test
    void aFailedCommitFailsEveryWriteOfTheBatchAndStoresNothing() {
        PGSimpleDataSource refused = new PGSimpleDataSource();
        refused.setUrl(db.jdbcUrl());
        refused.setUser(db.user());
        refused.setPassword("not-" + db.password()); // PostgreSQL's password authentication refuses it
        GroupCommit failing = new GroupCommit(refused, new SimpleMeterRegistry(), Duration.ZERO);
        try {
            List<CompletableFuture<Void>> writes = List.of(failing.put("group/refused/1", b("x"), 1),
                    failing.put("group/refused/2", b("y"), 1));
            for (CompletableFuture<Void> w : writes) {
                CompletionException e = assertThrows(CompletionException.class, w::join);
                assertInstanceOf(StorageException.class, e.getCause());
            }
        } finally {
            failing.stop();
        }
        assertEquals(0, postgres.countWithPrefix("group/refused/"));
    }

    @Test
    void aStatementWithCompanyWaitsForMoreRecordsButALoneRecordIsNotHeldBack() throws Exception {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        // a linger no test waits out: a record held for it fails its get() below
        GroupCommit lingering = new GroupCommit(dataSource, meters, Duration.ofHours(1));
        DistributionSummary rows = meters.get("custos.storage.group_commit.rows").summary();
        try (Connection blocker = DelegatingDataSource.unwrapDataSource(dataSource).getConnection()) {
            // alone: committed at once, not held for the linger
            lingering.put("group/linger/alone", b("a"), 1).get(30, TimeUnit.SECONDS);
            assertEquals(1, rows.count());
            // company: the next statement is held by a lock until two more records are due
            blocker.setAutoCommit(false);
            blocker.createStatement().execute("LOCK TABLE custos_entries IN EXCLUSIVE MODE");
            CompletableFuture<Void> first = lingering.put("group/linger/first", b("1"), 1);
            waitUntil(() -> lockWaiters(blocker) == 1);
            List<CompletableFuture<Void>> company = List.of(lingering.put("group/linger/c1", b("c"), 1),
                    lingering.put("group/linger/c2", b("c"), 1));
            blocker.commit();
            first.get(30, TimeUnit.SECONDS);
            CompletableFuture.allOf(company.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
            assertEquals(3, rows.count(), "one statement each for the lone records, one for the two together");
            // after company, a statement waits for four rows: three more arrive one by one
            List<CompletableFuture<Void>> gathered = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                gathered.add(lingering.put("group/linger/g" + i, b("g"), 1));
                Thread.sleep(50);
                assertEquals(i < 3, gathered.stream().noneMatch(CompletableFuture::isDone), "held until the fourth");
            }
            CompletableFuture.allOf(gathered.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
            assertEquals(4, rows.count());
            assertEquals(4.0, rows.max());
        } finally {
            lingering.stop();
        }
        assertEquals(8, postgres.countWithPrefix("group/linger/"));
    }

    @Test
    void aLingerOutsideZeroToOneSecondIsRefusedByName() {
        assertEquals(Duration.ZERO, GroupCommit.linger(0));
        assertEquals(Duration.ofSeconds(1), GroupCommit.linger(1_000_000));
        for (long wrong : new long[] {-1, 1_000_001, Long.MAX_VALUE}) {
            ConfigurationException e = assertThrows(ConfigurationException.class, () -> GroupCommit.linger(wrong));
            assertTrue(e.getMessage().startsWith("custos.storage.group-commit-linger-us must be between 0 and 1000000"),
                    e.getMessage());
        }
    }

    private static int lockWaiters(Connection c) throws SQLException {
        try (ResultSet r = c.createStatement().executeQuery(
                "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = 'custos_entries'::regclass")) {
            r.next();
            return r.getInt(1);
        }
    }

    private static void waitUntil(Callable<Boolean> condition) throws Exception {
        for (int i = 0; i < 600 && !condition.call(); i++) {
            Thread.sleep(50);
        }
        assertTrue(condition.call(), "condition not reached in 30 s");
    }

    @Test
    void theCacheForgetsARememberedAbsenceOnceTheRecordIsCommitted() {
        CacheValidity valid = new CacheValidity(); // no change feed for this cache: only its own write can tell it
        valid.set(true);
        CachedPhysicalStorage cache = new CachedPhysicalStorage(postgres, 1 << 20, valid);
        assertTrue(cache.get("group/cached/new").isEmpty(), "absent, and remembered so");
        cache.putLater("group/cached/new", b("v"), 1).join();
        assertArrayEquals(b("v"), cache.get("group/cached/new").orElseThrow().value());
    }
}
