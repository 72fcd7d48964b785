package io.custos.broker.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** X-Vault-Wrap-TTL on any request, single-use unwrap, lookup, rewrap, wrap, and the policy's wrapping bounds. */
@MicronautTest(transactional = false)
class WrappingTest extends BrokerHttpTest {
    private String root;

    @BeforeAll
    void setUp() {
        root = initAndUnseal();
        call("POST", "sys/mounts/secret", root, "{\"type\":\"kv-v2\"}");
        call("POST", "secret/data/x", root, "{\"data\":{\"v\":\"wrapped-value\"}}");
    }

    private Reply wrapped(String method, String path, String token, String body, String ttl) {
        return call(method, path, token, body, "application/json", Map.of("X-Vault-Wrap-TTL", ttl));
    }

    private JsonNode wrapInfo(Reply r) {
        assertEquals(200, r.status(), () -> String.valueOf(r.json()));
        assertTrue(r.json().get("data").isNull(), "the data is not returned");
        return r.json().get("wrap_info");
    }

    @Test
    void aWrappedResponseUnwrapsExactlyOnce() {
        JsonNode info = wrapInfo(wrapped("GET", "secret/data/x", root, null, "60s"));
        assertEquals(60, info.get("ttl").asInt());
        assertEquals("secret/data/x", info.get("creation_path").asText());
        String wt = info.get("token").asText();
        assertEquals(403, call("GET", "secret/data/x", wt, null).status(), "a wrapping token reads nothing else");
        assertEquals("secret/data/x", call("POST", "sys/wrapping/lookup", root, "{\"token\":\"" + wt + "\"}")
                .json().get("data").get("creation_path").asText());
        Reply unwrapped = call("POST", "sys/wrapping/unwrap", wt, null);
        assertEquals(200, unwrapped.status());
        assertEquals("wrapped-value", unwrapped.json().get("data").get("data").get("v").asText());
        assertEquals(403, call("POST", "sys/wrapping/unwrap", wt, null).status());
        assertEquals(400, call("POST", "sys/wrapping/unwrap", root, "{\"token\":\"" + wt + "\"}").status());
    }

    @Test
    void rewrapMovesTheResponseAndWrapWrapsSuppliedData() {
        String first = wrapInfo(wrapped("POST", "sys/wrapping/wrap", root, "{\"db\":\"pw\"}", "5m")).get("token").asText();
        String second = wrapInfo(call("POST", "sys/wrapping/rewrap", root, "{\"token\":\"" + first + "\"}"))
                .get("token").asText();
        assertEquals(400, call("POST", "sys/wrapping/unwrap", root, "{\"token\":\"" + first + "\"}").status());
        assertEquals("pw", call("POST", "sys/wrapping/unwrap", root, "{\"token\":\"" + second + "\"}")
                .json().get("data").get("db").asText());
        assertEquals(400, call("POST", "sys/wrapping/wrap", root, "{\"db\":\"pw\"}").status(), "wrap needs the header");
        assertEquals(400, wrapped("GET", "secret/data/x", root, null, "soon").status());
    }

    @Test
    void wrappedTokenCreationCarriesTheWrappedAccessor() {
        JsonNode info = wrapInfo(wrapped("POST", "auth/token/create", root, "{\"policies\":[\"default\"]}", "1m"));
        assertTrue(info.has("wrapped_accessor"));
        JsonNode auth = call("POST", "sys/wrapping/unwrap", info.get("token").asText(), null).json().get("auth");
        assertEquals(info.get("wrapped_accessor").asText(), auth.get("accessor").asText());
        assertEquals(200, call("GET", "auth/token/lookup-self", auth.get("client_token").asText(), null).status());
    }

    /** {@code vault write -wrap-ttl=60s auth/approle/login ...}, and Vault Agent's {@code wrap_ttl}. */
    @Test
    void aLoginIsWrappedWhenAsked() {
        call("POST", "sys/auth/approle", root, "{\"type\":\"approle\"}");
        call("POST", "auth/approle/role/w", root, "{\"token_policies\":\"default\"}");
        String roleId = call("GET", "auth/approle/role/w/role-id", root, null).json().get("data").get("role_id").asText();
        String secretId = call("POST", "auth/approle/role/w/secret-id", root, null).json().get("data").get("secret_id")
                .asText();
        Reply r = wrapped("POST", "auth/approle/login", null, "{\"role_id\":\"" + roleId + "\",\"secret_id\":\""
                + secretId + "\"}", "60s");
        assertTrue(r.json().get("auth").isNull(), "the token is inside the wrapping only");
        JsonNode info = wrapInfo(r);
        assertEquals("auth/approle/login", info.get("creation_path").asText());
        JsonNode auth = call("POST", "sys/wrapping/unwrap", info.get("token").asText(), null).json().get("auth");
        assertEquals(info.get("wrapped_accessor").asText(), auth.get("accessor").asText());
        assertEquals(200, call("GET", "auth/token/lookup-self", auth.get("client_token").asText(), null).status());
        Reply zero = wrapped("POST", "auth/approle/login", null, "{\"role_id\":\"" + roleId + "\",\"secret_id\":\""
                + secretId + "\"}", "0s");
        assertEquals(400, zero.status());
        assertTrue(zero.json().toString().contains("X-Vault-Wrap-TTL must be positive"), zero.json().toString());
    }

    @Test
    void policyWrappingBoundsAreEnforced() {
        call("PUT", "sys/policies/acl/must-wrap", root, "{\"policy\":\"path \\\"secret/data/x\\\" {\\n"
                + " capabilities = [\\\"read\\\"]\\n min_wrapping_ttl = \\\"30s\\\"\\n max_wrapping_ttl = \\\"5m\\\"\\n}\"}");
        String t = call("POST", "auth/token/create", root, "{\"policies\":[\"must-wrap\"]}").json()
                .get("auth").get("client_token").asText();
        assertEquals(403, call("GET", "secret/data/x", t, null).status(), "unwrapped is refused");
        assertEquals(403, wrapped("GET", "secret/data/x", t, null, "10s").status(), "below the minimum");
        assertEquals(403, wrapped("GET", "secret/data/x", t, null, "10m").status(), "above the maximum");
        wrapInfo(wrapped("GET", "secret/data/x", t, null, "1m"));
    }
}
