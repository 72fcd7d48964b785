package io.custos.broker.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.custos.broker.barrier.AesGcmBarrier;
import io.custos.broker.barrier.BarrierStorage;
import io.custos.broker.http.BrokerHttpTest;
import io.custos.broker.storage.CacheValidity;
import io.custos.broker.storage.CachedPhysicalStorage;
import io.custos.broker.storage.PostgresPhysicalStorage;
import io.custos.engine.sdk.EngineException;
import io.custos.engine.sdk.Json;
import io.custos.engine.sdk.SystemView;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two brokers' mount tables over one PostgreSQL, each with its own copy of the table in memory and no
 * change feed between them — the moments before one hears of the other's write, held open. A table changed on one node
 * was overwritten whole by the other's stale copy (a mount lost, its storage orphaned); now every
 * change is a compare-and-put on what PostgreSQL holds.
 */
@MicronautTest(transactional = false)
class MountTableAcrossBrokersTest extends BrokerHttpTest {
    @Inject
    PostgresPhysicalStorage postgres;
    @Inject
    AesGcmBarrier barrier;

    private MountTable nodeA;
    private MountTable nodeB;

    @BeforeAll
    void twoNodes() {
        initAndUnseal();
        CacheValidity readThrough = new CacheValidity(); // never valid: storage reads go to PostgreSQL
        nodeA = node(readThrough);
        nodeB = node(readThrough);
    }

    private MountTable node(CacheValidity validity) {
        MountTable t = new MountTable(new BarrierStorage(new CachedPhysicalStorage(postgres, 1 << 20, validity), barrier),
                Clock.systemUTC(), SystemView.DEFAULTS);
        t.onUnseal();
        return t;
    }

    /** The paths PostgreSQL holds in the table, read past every cache. */
    private Set<String> stored() {
        byte[] raw = new BarrierStorage(postgres, barrier).get("core/mounts").orElseThrow();
        Set<String> paths = new TreeSet<>();
        for (Object e : Json.read(raw, List.class)) {
            paths.add((String) ((Map<?, ?>) e).get("path"));
        }
        return paths;
    }

    private static MountEntry kv(MountTable on, String path) {
        return on.enable(path, "kv", "", Map.of("version", "2"), 0, 0);
    }

    @Test
    void mountsMadeOnTwoNodesBothStay() {
        kv(nodeA, "on-a/");
        kv(nodeB, "on-b/"); // B has not heard of on-a/
        assertTrue(stored().containsAll(Set.of("on-a/", "on-b/")), stored().toString());
        assertTrue(nodeB.get("on-a/").isPresent(), "B runs the table it wrote, A's mount included");
    }

    @Test
    void onePathIsMountedOnceAcrossNodes() {
        kv(nodeA, "same/");
        EngineException e = assertThrows(EngineException.class, () -> kv(nodeB, "same/"));
        assertEquals(400, e.status());
        assertEquals("path is already in use at same/", e.getMessage());
        assertEquals(1, stored().stream().filter("same/"::equals).count());
    }

    @Test
    void aMountMadeOnOneNodeCanBeTunedAndDisabledOnTheOtherAtOnce() {
        MountEntry made = kv(nodeA, "tuned-elsewhere/");
        MountEntry tuned = nodeB.tune("tuned-elsewhere/", "tuned on B", 60L, null, null, Map.of());
        assertEquals(made.uuid(), tuned.uuid());
        assertEquals("tuned on B", tuned.description());
        nodeB.disable("tuned-elsewhere/");
        kv(nodeA, "after-disable/"); // A's copy still lists tuned-elsewhere/: it must not come back
        assertTrue(stored().contains("after-disable/"));
        assertFalse(stored().contains("tuned-elsewhere/"), stored().toString());
    }

    /** As Terraform applies mounts in parallel through a load balancer: every one of them is kept. */
    @Test
    void sixteenMountsAtOnceOnTwoNodesAreAllKept() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<MountEntry>> made = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                MountTable on = i % 2 == 0 ? nodeA : nodeB;
                String path = "parallel-" + i + "/";
                made.add(pool.submit(() -> kv(on, path)));
            }
            for (Future<MountEntry> f : made) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        for (int i = 0; i < 16; i++) {
            assertTrue(stored().contains("parallel-" + i + "/"), "parallel-" + i + "/ lost: " + stored());
        }
    }
}
