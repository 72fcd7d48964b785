package io.custos.broker.seal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.custos.broker.http.BrokerHttpTest;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** An auto-seal initialised without recovery keys: no quorum can be proven, and the answer says why. */
@MicronautTest(transactional = false)
class NoRecoveryKeysTest extends BrokerHttpTest {

    @Override
    protected Map<String, String> extraProperties() {
        return Map.of("custos.seal.type", "static", "custos.seal.key", Base64.getEncoder().encodeToString(new byte[32]));
    }

    @Test
    void rootGenerationIsRefusedNamingTheMissingRecoveryKeys() {
        call("POST", "sys/init", null, "{}");
        Reply r = call("PUT", "sys/generate-root/attempt", null, "{}");
        assertEquals(400, r.status());
        assertTrue(r.error().contains("without recovery keys"), r.error());
        assertEquals(200, call("GET", "sys/generate-root/attempt", null, null).status());
    }
}
