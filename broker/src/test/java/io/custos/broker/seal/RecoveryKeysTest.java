package io.custos.broker.seal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.custos.broker.http.BrokerHttpTest;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The static auto-seal with recovery keys: they generate root tokens, and a recovery rekey replaces them. */
@MicronautTest(transactional = false)
class RecoveryKeysTest extends BrokerHttpTest {

    @Override
    protected Map<String, String> extraProperties() {
        return Map.of("custos.seal.type", "static", "custos.seal.key", Base64.getEncoder().encodeToString(new byte[32]));
    }

    private JsonNode ok(Reply r) {
        assertTrue(r.status() < 300, () -> r.status() + " " + r.json());
        return r.json();
    }

    private static String update(String key, String nonce) {
        return "{\"key\":\"" + key + "\",\"nonce\":\"" + nonce + "\"}";
    }

    private Reply generateRoot(List<String> shares) {
        JsonNode started = ok(call("PUT", "sys/generate-root/attempt", null, "{}"));
        Reply last = null;
        for (String s : shares) {
            last = call("PUT", "sys/generate-root/update", null, update(s, started.get("nonce").asText()));
        }
        if (last.status() == 200 && last.json().get("complete").asBoolean()) {
            String token = OperatorKeysTest.decode(last.json().get("encoded_root_token").asText(),
                    started.get("otp").asText());
            assertEquals(200, call("GET", "auth/token/lookup-self", token, null).status());
        }
        return last;
    }

    @Test
    void recoveryKeysGenerateRootTokensAndARecoveryRekeyRetiresTheOldOnes() {
        JsonNode init = ok(call("POST", "sys/init", null, "{\"recovery_shares\":3,\"recovery_threshold\":2}"));
        assertEquals(0, init.get("keys").size());
        List<String> recovery = new ArrayList<>();
        init.get("recovery_keys_base64").forEach(k -> recovery.add(k.asText()));
        assertEquals(3, recovery.size());
        JsonNode status = ok(call("GET", "sys/seal-status", null, null));
        assertTrue(status.get("recovery_seal").asBoolean());
        assertEquals(2, status.get("t").asInt());
        assertEquals(3, status.get("n").asInt());

        assertTrue(generateRoot(recovery.subList(0, 2)).json().get("complete").asBoolean());
        Reply barrier = call("PUT", "sys/rekey/init", null, "{\"secret_shares\":3,\"secret_threshold\":2}");
        assertEquals(400, barrier.status());

        String nonce = ok(call("PUT", "sys/rekey-recovery-key/init", null, "{\"secret_shares\":2,\"secret_threshold\":2}"))
                .get("nonce").asText();
        ok(call("PUT", "sys/rekey-recovery-key/update", null, update(recovery.get(1), nonce)));
        JsonNode done = ok(call("PUT", "sys/rekey-recovery-key/update", null, update(recovery.get(2), nonce)));
        List<String> fresh = new ArrayList<>();
        done.get("keys_base64").forEach(k -> fresh.add(k.asText()));
        assertEquals(2, fresh.size());

        Reply old = generateRoot(recovery.subList(0, 2));
        assertEquals(400, old.status());
        assertTrue(old.error().contains("do not reconstruct the recovery key"), old.error());
        assertTrue(generateRoot(fresh).json().get("complete").asBoolean());
        assertEquals(2, ok(call("GET", "sys/seal-status", null, null)).get("n").asInt());
    }
}
