package io.custos.broker.seal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.custos.broker.http.BrokerHttpTest;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * With Shamir unseal keys: a root token generated from a threshold of shares (OTP-encoded as
 * Vault's CLI decodes it), and rekeys — with and without verification — after which the old
 * shares unseal nothing and the new ones do.
 */
@MicronautTest(transactional = false)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OperatorKeysTest extends BrokerHttpTest {
    private List<String> keys = new ArrayList<>();
    private String root;

    @BeforeAll
    void setUp() {
        JsonNode init = call("POST", "sys/init", null, "{\"secret_shares\":3,\"secret_threshold\":2}").json();
        init.get("keys").forEach(k -> keys.add(k.asText()));
        root = init.get("root_token").asText();
        unseal(keys.subList(0, 2));
    }

    private void unseal(List<String> shares) {
        for (String k : shares) {
            call("POST", "sys/unseal", null, "{\"key\":\"" + k + "\"}");
        }
        assertFalse(call("GET", "sys/seal-status", null, null).json().get("sealed").asBoolean(), "unsealed");
    }

    private JsonNode ok(Reply r) {
        assertTrue(r.status() < 300, () -> r.status() + " " + r.json());
        return r.json();
    }

    /** As {@code vault operator generate-root -decode}: base64 (raw) of token XOR otp. */
    static String decode(String encoded, String otp) {
        byte[] e = Base64.getDecoder().decode(encoded);
        byte[] p = otp.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[e.length];
        for (int i = 0; i < e.length; i++) {
            out[i] = (byte) (e[i] ^ p[i]);
        }
        return new String(out, StandardCharsets.UTF_8);
    }

    @Test
    @Order(1)
    void aThresholdOfUnsealKeySharesGeneratesARootTokenEncodedWithTheOtp() {
        JsonNode status = ok(call("GET", "sys/generate-root/attempt", null, null));
        assertFalse(status.get("started").asBoolean());
        assertEquals(2, status.get("required").asInt());
        assertEquals(47, status.get("otp_length").asInt());
        assertEquals(400, call("PUT", "sys/generate-root/attempt", null, "{\"otp\":\"short\"}").status());
        assertEquals(400, call("PUT", "sys/generate-root/attempt", null, "{\"pgp_key\":\"abc\"}").status());

        JsonNode started = ok(call("PUT", "sys/generate-root/attempt", null, "{}"));
        String otp = started.get("otp").asText();
        String nonce = started.get("nonce").asText();
        assertEquals(47, otp.length());
        Reply again = call("PUT", "sys/generate-root/attempt", null, "{}");
        assertEquals(400, again.status());
        assertEquals("root generation already in progress", again.error());
        assertEquals(1, ok(call("PUT", "sys/generate-root/update", null, update(keys.get(2), nonce))).get("progress").asInt());
        Reply twice = call("PUT", "sys/generate-root/update", null, update(keys.get(2), nonce));
        assertEquals(400, twice.status());
        assertTrue(twice.error().contains("already been provided"), twice.error());
        Reply wrongNonce = call("PUT", "sys/generate-root/update", null, update(keys.get(0), "nope"));
        assertEquals(400, wrongNonce.status());
        assertTrue(wrongNonce.error().startsWith("incorrect nonce supplied"), wrongNonce.error());
        assertEquals(1, ok(call("GET", "sys/generate-root/attempt", null, null)).get("progress").asInt());

        JsonNode done = ok(call("PUT", "sys/generate-root/update", null, update(keys.get(0), nonce)));
        assertTrue(done.get("complete").asBoolean());
        String token = decode(done.get("encoded_token").asText(), otp);
        assertTrue(token.startsWith("cvs."), token);
        JsonNode self = ok(call("GET", "auth/token/lookup-self", token, null));
        assertEquals("[\"root\"]", self.get("data").get("policies").toString());
        assertFalse(ok(call("GET", "sys/generate-root/attempt", null, null)).get("started").asBoolean(), "ended");
    }

    private static String update(String key, String nonce) {
        return "{\"key\":\"" + key + "\",\"nonce\":\"" + nonce + "\"}";
    }

    @Test
    @Order(2)
    void sharesThatDoNotRebuildTheKeyEndTheAttemptWithoutAToken() {
        String nonce = ok(call("PUT", "sys/generate-root/attempt", null, "{}")).get("nonce").asText();
        byte[] forged = HexFormat.of().parseHex(keys.get(0));
        forged[5] ^= 1;
        ok(call("PUT", "sys/generate-root/update", null, update(keys.get(1), nonce)));
        Reply r = call("PUT", "sys/generate-root/update", null, update(HexFormat.of().formatHex(forged), nonce));
        assertEquals(400, r.status());
        assertTrue(r.error().contains("do not reconstruct the unseal key"), r.error());
        assertFalse(ok(call("GET", "sys/generate-root/attempt", null, null)).get("started").asBoolean());
        Reply shortShare = call("PUT", "sys/generate-root/update", null, update("abcd", "x"));
        assertEquals(400, shortShare.status());
        assertTrue(shortShare.error().contains("must be 33 bytes"), shortShare.error());
    }

    @Test
    @Order(3)
    void aRekeyReplacesTheSharesAndTheOldOnesUnsealNothing() {
        String nonce = ok(call("PUT", "sys/rekey/init", null, "{\"secret_shares\":5,\"secret_threshold\":3}"))
                .get("nonce").asText();
        assertTrue(ok(call("GET", "sys/rekey/init", null, null)).get("started").asBoolean());
        ok(call("PUT", "sys/rekey/update", null, update(keys.get(0), nonce)));
        JsonNode done = ok(call("PUT", "sys/rekey/update", null, update(keys.get(1), nonce)));
        assertTrue(done.get("complete").asBoolean());
        List<String> fresh = new ArrayList<>();
        done.get("keys").forEach(k -> fresh.add(k.asText()));
        assertEquals(5, fresh.size());
        JsonNode status = ok(call("GET", "sys/seal-status", null, null));
        assertEquals(5, status.get("n").asInt());
        assertEquals(3, status.get("t").asInt());

        assertEquals(204, call("PUT", "sys/seal", root, null).status());
        call("POST", "sys/unseal", null, "{\"key\":\"" + keys.get(0) + "\"}");
        call("POST", "sys/unseal", null, "{\"key\":\"" + keys.get(1) + "\"}");
        Reply old = call("POST", "sys/unseal", null, "{\"key\":\"" + keys.get(2) + "\"}");
        assertEquals(400, old.status(), "the old shares open nothing: " + old.json());
        assertTrue(ok(call("GET", "sys/seal-status", null, null)).get("sealed").asBoolean());
        call("POST", "sys/unseal", null, "{\"reset\":true}");
        unseal(fresh.subList(2, 5));
        keys = fresh;
    }

    @Test
    @Order(4)
    void withVerificationTheOldSharesStayInForceUntilTheNewOnesArePresentedBack() {
        String nonce = ok(call("PUT", "sys/rekey/init", null,
                "{\"secret_shares\":3,\"secret_threshold\":2,\"require_verification\":true}")).get("nonce").asText();
        for (String k : keys.subList(0, 2)) {
            ok(call("PUT", "sys/rekey/update", null, update(k, nonce)));
        }
        JsonNode done = ok(call("PUT", "sys/rekey/update", null, update(keys.get(2), nonce)));
        assertTrue(done.get("verification_required").asBoolean());
        String verifyNonce = done.get("verification_nonce").asText();
        List<String> fresh = new ArrayList<>();
        done.get("keys").forEach(k -> fresh.add(k.asText()));
        assertEquals(5, ok(call("GET", "sys/seal-status", null, null)).get("n").asInt(), "not in force yet");
        assertEquals(400, call("PUT", "sys/rekey/verify", null, update(fresh.get(0), "wrong")).status());
        assertEquals(400, call("PUT", "sys/rekey/update", null, update(keys.get(3), nonce)).status(),
                "the attempt now waits for verification");
        ok(call("PUT", "sys/rekey/verify", null, update(fresh.get(0), verifyNonce)));
        JsonNode verified = ok(call("PUT", "sys/rekey/verify", null, update(fresh.get(2), verifyNonce)));
        assertTrue(verified.get("complete").asBoolean());
        JsonNode status = ok(call("GET", "sys/seal-status", null, null));
        assertEquals(3, status.get("n").asInt());
        assertEquals(2, status.get("t").asInt());

        assertEquals(204, call("PUT", "sys/seal", root, null).status());
        unseal(fresh.subList(1, 3));
        keys = fresh;
    }

    @Test
    @Order(5)
    void aCancelledRekeyChangesNothingAndRecoveryRekeysNeedAnAutoSeal() {
        ok(call("PUT", "sys/rekey/init", null, "{\"secret_shares\":1,\"secret_threshold\":1}"));
        assertEquals(204, call("DELETE", "sys/rekey/init", null, null).status());
        assertFalse(ok(call("GET", "sys/rekey/init", null, null)).get("started").asBoolean());
        assertEquals(400, call("PUT", "sys/rekey/init", null, "{\"secret_shares\":3,\"secret_threshold\":1}").status());
        Reply recovery = call("PUT", "sys/rekey-recovery-key/init", null, "{\"secret_shares\":3,\"secret_threshold\":2}");
        assertEquals(400, recovery.status());
        assertTrue(recovery.error().startsWith("recovery rekeying not supported"), recovery.error());
        assertEquals(400, call("PUT", "sys/rekey/init", null,
                "{\"secret_shares\":3,\"secret_threshold\":2,\"backup\":true}").status());
    }
}
