package io.custos.broker.seal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.custos.broker.barrier.AesGcmBarrier;
import io.custos.broker.barrier.BarrierStorage;
import io.custos.broker.http.BrokerHttpTest;
import io.custos.broker.storage.CachedPhysicalStorage;
import io.custos.broker.storage.CacheValidityForTests;
import io.custos.broker.storage.PostgresPhysicalStorage;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A root generation's shares arriving at two brokers at once (each its own cache over one
 * database): no share is lost, and exactly one share completes the attempt with one token.
 */
@MicronautTest(transactional = false)
class RootGenerationAcrossBrokersTest extends BrokerHttpTest {
    @Inject
    PostgresPhysicalStorage postgres;
    @Inject
    AesGcmBarrier barrier;
    @Inject
    RootGeneration nodeA;
    @Inject
    OperatorKey operatorKey;
    @Inject
    Core.RootTokenIssuer tokens;

    private RootGeneration nodeB;
    private final List<byte[]> shares = new ArrayList<>();

    @BeforeAll
    void setUp() {
        JsonNode init = call("POST", "sys/init", null, "{\"secret_shares\":5,\"secret_threshold\":3}").json();
        init.get("keys").forEach(k -> shares.add(HexFormat.of().parseHex(k.asText())));
        for (byte[] s : shares.subList(0, 3)) {
            call("POST", "sys/unseal", null, "{\"key\":\"" + HexFormat.of().formatHex(s) + "\"}");
        }
        nodeB = new RootGeneration(new BarrierStorage(new CachedPhysicalStorage(postgres, 1 << 20,
                CacheValidityForTests.valid()), barrier), operatorKey, tokens);
    }

    @Test
    void threeSharesRacedOverTwoBrokersCompleteTheAttemptExactlyOnce() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            for (int round = 0; round < 5; round++) {
                String nonce = (String) nodeA.start(null, null).get("nonce");
                List<Future<Map<String, Object>>> results = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    RootGeneration node = i % 2 == 0 ? nodeA : nodeB;
                    byte[] share = shares.get(i + round % 3);
                    results.add(pool.submit((Callable<Map<String, Object>>) () -> node.update(share, nonce)));
                }
                int complete = 0;
                List<Integer> progress = new ArrayList<>();
                for (Future<Map<String, Object>> f : results) {
                    Map<String, Object> r = f.get();
                    complete += Boolean.TRUE.equals(r.get("complete")) ? 1 : 0;
                    progress.add((Integer) r.get("progress"));
                }
                assertEquals(1, complete, "round " + round + ": " + progress);
                assertTrue(progress.containsAll(List.of(1, 2, 3)), "every share counted once: " + progress);
                assertEquals(false, nodeB.status().get("started"));
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
