package io.custos.broker.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.custos.broker.barrier.AesGcmBarrier;
import io.custos.broker.barrier.BarrierStorage;
import io.custos.broker.config.TokenConfiguration;
import io.custos.broker.http.BrokerHttpTest;
import io.custos.broker.token.TokenEntry;
import io.custos.broker.token.TokenStore;
import io.custos.engine.sdk.EngineException;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The SDK's compare-and-put through the barrier and the cache to PostgreSQL, with two "nodes"
 * (each its own cache over the same database): one winner per expected value however the writers
 * are spread, and a node whose cache is stale loses to the database's truth and forgets what it held.
 */
@MicronautTest(transactional = false)
class CompareAndPutTest extends BrokerHttpTest {
    @Inject
    PostgresPhysicalStorage postgres;

    @Inject
    AesGcmBarrier barrier;

    @Inject
    TokenConfiguration tokenConfig;

    private final CacheValidity valid = new CacheValidity(); // no change feed here: each node's cache stays stale on purpose
    private BarrierStorage nodeA;
    private BarrierStorage nodeB;

    @BeforeAll
    void twoNodes() {
        initAndUnseal();
        valid.set(true);
        nodeA = new BarrierStorage(new CachedPhysicalStorage(postgres, 1 << 20, valid), barrier);
        nodeB = new BarrierStorage(new CachedPhysicalStorage(postgres, 1 << 20, valid), barrier);
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * 16 writers, alternating nodes, each trying to replace {@code expected} with a value of its own
     * (named by {@code round}: never equal to what an earlier round wrote, or a writer could match a
     * value written again after the first replacement); how many succeeded.
     */
    private long race(String key, Optional<byte[]> expected, String round) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                BarrierStorage node = i % 2 == 0 ? nodeA : nodeB;
                byte[] value = b(round + "-writer-" + i);
                results.add(pool.submit((Callable<Boolean>) () -> node.compareAndPut(key, expected, value)));
            }
            long wins = 0;
            for (Future<Boolean> f : results) {
                wins += f.get() ? 1 : 0;
            }
            return wins;
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void exactlyOneWriterWinsPerExpectedValueAcrossNodes() throws Exception {
        assertEquals(1, race("cas/x", Optional.empty(), "create"), "one creator of an absent key");
        byte[] first = nodeA.get("cas/x").orElseThrow();
        assertArrayEquals(first, nodeB.get("cas/x").orElseThrow(), "both nodes read the winner");
        assertEquals(1, race("cas/x", Optional.of(first), "replace"), "one writer replaces a given value");
        assertFalse(nodeA.compareAndPut("cas/x", Optional.of(first), b("late")), "the old value is gone");
        assertFalse(nodeA.compareAndPut("cas/x", Optional.empty(), b("late")), "the key is not absent");
    }

    @Test
    void aStaleCacheLosesToTheDatabaseAndForgetsWhatItHeld() {
        nodeA.put("cas/y", b("one"));
        assertArrayEquals(b("one"), nodeB.get("cas/y").orElseThrow()); // now cached on B
        assertTrue(nodeA.compareAndPut("cas/y", Optional.of(b("one")), b("two")));
        assertArrayEquals(b("one"), nodeB.get("cas/y").orElseThrow(), "B's cache is stale (no invalidation yet)");
        assertFalse(nodeB.compareAndPut("cas/y", Optional.of(b("one")), b("three")),
                "the database, not B's cache, decides");
        assertArrayEquals(b("two"), nodeB.get("cas/y").orElseThrow(), "after losing, B reads the database again");
        assertTrue(nodeB.compareAndPut("cas/y", Optional.of(b("two")), b("three")));
        assertArrayEquals(b("three"), new BarrierStorage(postgres, barrier).get("cas/y").orElseThrow(), "in the database");
    }

    /**
     * A custom token id (root's {@code id}) created on node A while node B still remembers it as
     * absent: B's creation must lose, not overwrite A's token with its own policies and accessor.
     */
    @Test
    void aCustomTokenIdIsClaimedOnceAcrossNodes() {
        TokenStore onA = tokenStore(nodeA);
        TokenStore onB = tokenStore(nodeB);
        assertTrue(onB.lookup("ci-claimed").isEmpty()); // B's cache now holds the absence
        TokenEntry template = new TokenEntry(null, List.of("app"), "token", "auth/token/create", 0, 0, Map.of(), "", 0,
                0, 0, false, 0, List.of());
        String accessor = onA.createWithId("ci-claimed", template).entry().accessor();
        EngineException lost = assertThrows(EngineException.class, () -> onB.createWithId("ci-claimed", template));
        assertEquals("cannot create a token with a duplicate ID", lost.getMessage());
        assertEquals(accessor, tokenStore(new BarrierStorage(postgres, barrier)).lookup("ci-claimed").orElseThrow()
                .accessor(), "A's token, as stored");
    }

    /** A node's token store, unsealed (its hashing keys loaded from the shared storage). */
    private TokenStore tokenStore(BarrierStorage node) {
        TokenStore store = new TokenStore(node, Clock.systemUTC(), tokenConfig, valid);
        store.onUnseal();
        return store;
    }
}
