package io.custos.broker.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.custos.broker.seal.Core;
import io.custos.broker.storage.ClusterLock;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** sys/init, unseal with Shamir shares, seal, health codes: one broker walked through its lifecycle. */
@MicronautTest(transactional = false)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SealLifecycleTest extends BrokerHttpTest {
    private static final List<String> HEX = new ArrayList<>();
    private static final List<String> B64 = new ArrayList<>();
    private static String rootToken;
    @Inject
    ClusterLock lock;

    @Test
    @Order(1)
    void uninitialisedBrokerAnswers501OnHealthAnd503Elsewhere() {
        assertEquals(501, call("GET", "sys/health", null, null).status());
        assertEquals(false, call("GET", "sys/init", null, null).json().get("initialized").asBoolean());
        assertEquals(503, call("GET", "secret/data/x", "anything", null).status());
        assertEquals(204, call("GET", "sys/health?uninitcode=204", null, null).status());
    }

    @Test
    @Order(2)
    void initialiseReturnsSharesInHexAndBase64AndARootTokenOnce() throws Exception {
        // another broker initialising the same storage holds the cluster's init lock: this one refuses
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread other = new Thread(() -> lock.runIfFree(Core.INIT_LOCK, () -> {
            held.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        other.start();
        assertTrue(held.await(10, TimeUnit.SECONDS));
        BrokerHttpTest.Reply busy = call("POST", "sys/init", null, "{\"secret_shares\":1,\"secret_threshold\":1}");
        release.countDown();
        other.join();
        assertEquals(400, busy.status());
        assertEquals("Custos is being initialized by another broker", busy.error());
        assertFalse(call("GET", "sys/init", null, null).json().get("initialized").asBoolean());

        assertEquals(400, call("POST", "sys/init", null, "{\"secret_shares\":3,\"secret_threshold\":1}").status());
        assertEquals(400, call("POST", "sys/init", null, "{\"secret_shares\":2,\"secret_threshold\":3}").status());
        BrokerHttpTest.Reply init = call("POST", "sys/init", null, "{\"secret_shares\":5,\"secret_threshold\":3}");
        assertEquals(200, init.status());
        init.json().get("keys").forEach(k -> HEX.add(k.asText()));
        init.json().get("keys_base64").forEach(k -> B64.add(k.asText()));
        rootToken = init.json().get("root_token").asText();
        assertEquals(5, HEX.size());
        assertEquals(66, HEX.get(0).length());
        assertTrue(rootToken.startsWith("cvs."));
        BrokerHttpTest.Reply again = call("POST", "sys/init", null, "{\"secret_shares\":1,\"secret_threshold\":1}");
        assertEquals(400, again.status());
        assertEquals("Custos is already initialized", again.error());
        assertEquals(503, call("GET", "sys/health", null, null).status());
    }

    @Test
    @Order(3)
    void whileSealedEverythingButTheSealPathsIs503() {
        assertEquals(503, call("GET", "sys/mounts", rootToken, null).status());
        assertEquals("Custos is sealed", call("GET", "sys/mounts", rootToken, null).error());
        JsonNode status = call("GET", "sys/seal-status", null, null).json();
        assertTrue(status.get("sealed").asBoolean());
        assertEquals(3, status.get("t").asInt());
        assertEquals(5, status.get("n").asInt());
    }

    @Test
    @Order(4)
    void thresholdMinusOneSharesLeaveItSealedAndResetDiscardsProgress() {
        assertEquals(1, unseal(HEX.get(0)).get("progress").asInt());
        assertEquals(1, unseal(HEX.get(0)).get("progress").asInt(), "a repeated share does not count twice");
        JsonNode two = unseal(B64.get(1));
        assertEquals(2, two.get("progress").asInt());
        assertTrue(two.get("sealed").asBoolean());
        JsonNode reset = call("POST", "sys/unseal", null, "{\"reset\":true}").json();
        assertEquals(0, reset.get("progress").asInt());
    }

    @Test
    @Order(5)
    void aCorruptedShareIsDetectedAndProgressResets() {
        unseal(HEX.get(0));
        unseal(HEX.get(1));
        char[] bad = HEX.get(2).toCharArray();
        bad[10] = bad[10] == '0' ? '1' : '0';
        BrokerHttpTest.Reply r = call("POST", "sys/unseal", null, "{\"key\":\"" + new String(bad) + "\"}");
        assertEquals(400, r.status());
        assertTrue(r.error().contains("wrong or corrupted"), r.error());
        JsonNode status = call("GET", "sys/seal-status", null, null).json();
        assertTrue(status.get("sealed").asBoolean());
        assertEquals(0, status.get("progress").asInt());
        assertEquals(400, call("POST", "sys/unseal", null, "{\"key\":\"not-a-key!\"}").status());
        assertEquals(400, call("POST", "sys/unseal", null, "{\"key\":\"abcd\"}").status());
    }

    @Test
    @Order(6)
    void anyThreeSharesUnseal() {
        unseal(HEX.get(4));
        unseal(B64.get(2));
        JsonNode done = unseal(HEX.get(0));
        assertFalse(done.get("sealed").asBoolean());
        assertEquals(200, call("GET", "sys/health", null, null).status());
        assertEquals(200, call("GET", "sys/mounts", rootToken, null).status());
    }

    @Test
    @Order(7)
    void tokensAreCheckedAndSealDropsTheKeys() {
        assertEquals(403, call("GET", "sys/mounts", null, null).status());
        assertEquals(403, call("GET", "sys/mounts", rootToken + "x", null).status());
        assertEquals("permission denied", call("GET", "sys/mounts", "cvs.nope", null).error());
        assertEquals(204, call("POST", "sys/seal", rootToken, null).status());
        assertEquals(503, call("GET", "sys/mounts", rootToken, null).status());
        assertEquals(503, call("GET", "sys/health", null, null).status());
        assertEquals(200, call("GET", "sys/health?sealedcode=200", null, null).status());
        unseal(HEX.get(1));
        unseal(HEX.get(2));
        unseal(HEX.get(3));
        assertEquals(200, call("GET", "auth/token/lookup-self", rootToken, null).status());
    }

    private JsonNode unseal(String key) {
        BrokerHttpTest.Reply r = call("POST", "sys/unseal", null, "{\"key\":\"" + key + "\"}");
        assertEquals(200, r.status(), () -> String.valueOf(r.json()));
        return r.json();
    }
}
