package io.custos.broker.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.custos.broker.http.BrokerHttpTest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Records from many requests committed together to the real PostgreSQL: each future completes
 * only once its row can be read, a path queued twice in one batch is written once with its last
 * value, a failed commit fails every write of its batch, and the storage cache forgets a path it
 * remembered as absent once a record there is committed.
 */
@MicronautTest(transactional = false)
class GroupCommitTest extends BrokerHttpTest {
    @Inject
    GroupCommit group;

    @Inject
    PostgresPhysicalStorage postgres;

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
        GroupCommit failing = new GroupCommit(refused, new SimpleMeterRegistry());
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
    void theCacheForgetsARememberedAbsenceOnceTheRecordIsCommitted() {
        CacheValidity valid = new CacheValidity(); // no change feed for this cache: only its own write can tell it
        valid.set(true);
        CachedPhysicalStorage cache = new CachedPhysicalStorage(postgres, 1 << 20, valid);
        assertTrue(cache.get("group/cached/new").isEmpty(), "absent, and remembered so");
        cache.putLater("group/cached/new", b("v"), 1).join();
        assertArrayEquals(b("v"), cache.get("group/cached/new").orElseThrow().value());
    }
}
