package io.custos.broker.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.custos.engine.sdk.Json;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Who may widen what: a secret-id's networks stay within its role's, tokens bound to networks are
 * refused elsewhere, periodic tokens need root or sudo, and token TTLs stop at the system maximum.
 * (Each was a hole found by the outside review.)
 */
@MicronautTest(transactional = false)
class TokenRightsTest extends BrokerHttpTest {
    private String root;

    @BeforeAll
    void setUp() {
        root = initAndUnseal();
        call("POST", "sys/auth/approle", root, "{\"type\":\"approle\"}");
    }

    private static String json(Object o) throws Exception {
        return Json.MAPPER.writeValueAsString(o);
    }

    private String roleId(String role) {
        return call("GET", "auth/approle/role/" + role + "/role-id", root, null).json().get("data").get("role_id").asText();
    }

    private Reply login(String role, String secretId) throws Exception {
        return call("POST", "auth/approle/login", null, json(Map.of("role_id", roleId(role), "secret_id", secretId)));
    }

    @Test
    void aSecretIdCannotWidenItsRolesNetworks() throws Exception {
        assertEquals(204, call("POST", "auth/approle/role/net", root, json(Map.of("secret_id_bound_cidrs",
                List.of("10.0.0.0/8"), "token_bound_cidrs", List.of("10.0.0.0/8")))).status());
        Reply wide = call("POST", "auth/approle/role/net/secret-id", root, json(Map.of("cidr_list", List.of("0.0.0.0/0"))));
        assertEquals(400, wide.status());
        assertTrue(wide.error().startsWith("failed to verify subset relationship between CIDR blocks"), wide.error());
        Reply wideToken = call("POST", "auth/approle/role/net/secret-id", root,
                json(Map.of("token_bound_cidrs", List.of("127.0.0.0/8"))));
        assertEquals(400, wideToken.status());
        Reply narrow = call("POST", "auth/approle/role/net/secret-id", root, json(Map.of("cidr_list",
                List.of("10.1.0.0/16"), "token_bound_cidrs", "10.2.0.0/16")));
        assertEquals(200, narrow.status(), () -> String.valueOf(narrow.json()));
        // and the narrow one still does not log in from loopback
        assertEquals(400, login("net", narrow.json().get("data").get("secret_id").asText()).status());
    }

    @Test
    void aTokenBoundToOtherNetworksIsRefusedHere() throws Exception {
        call("POST", "auth/approle/role/elsewhere", root, json(Map.of("token_bound_cidrs", "10.0.0.0/8")));
        call("POST", "auth/approle/role/here", root, json(Map.of("token_bound_cidrs", "127.0.0.1/32")));
        Reply away = login("elsewhere", call("POST", "auth/approle/role/elsewhere/secret-id", root, null).json()
                .get("data").get("secret_id").asText());
        assertEquals(200, away.status(), () -> String.valueOf(away.json()));
        assertEquals(403, call("GET", "auth/token/lookup-self", away.json().get("auth").get("client_token").asText(),
                null).status());
        Reply here = login("here", call("POST", "auth/approle/role/here/secret-id", root, null).json()
                .get("data").get("secret_id").asText());
        Reply self = call("GET", "auth/token/lookup-self", here.json().get("auth").get("client_token").asText(), null);
        assertEquals(200, self.status());
        assertEquals("[\"127.0.0.1/32\"]", self.json().get("data").get("bound_cidrs").toString());

        assertEquals(204, call("POST", "auth/token/roles/remote", root, json(Map.of("token_bound_cidrs",
                List.of("192.168.0.0/16")))).status());
        assertEquals("[\"192.168.0.0/16\"]", call("GET", "auth/token/roles/remote", root, null).json().get("data")
                .get("token_bound_cidrs").toString());
        String roleToken = call("POST", "auth/token/create/remote", root, "{}").json().get("auth").get("client_token")
                .asText();
        assertEquals(403, call("GET", "auth/token/lookup-self", roleToken, null).status());
        assertEquals(400, call("POST", "auth/token/roles/bad", root, json(Map.of("token_bound_cidrs", "10.0.0.0/33")))
                .status());
    }

    @Test
    void periodicTokensNeedRootOrSudo() throws Exception {
        call("PUT", "sys/policies/acl/creator", root, json(Map.of("policy",
                "path \"auth/token/create\" { capabilities = [\"update\"] }")));
        call("PUT", "sys/policies/acl/sudo-creator", root, json(Map.of("policy",
                "path \"auth/token/create\" { capabilities = [\"update\", \"sudo\"] }")));
        String plain = call("POST", "auth/token/create", root, "{\"policies\":[\"creator\"]}").json().get("auth")
                .get("client_token").asText();
        Reply refused = call("POST", "auth/token/create", plain, "{\"period\":\"2h\"}");
        assertEquals(400, refused.status());
        assertEquals("root or sudo privileges required to create periodic token", refused.error());
        String sudo = call("POST", "auth/token/create", root, "{\"policies\":[\"sudo-creator\"]}").json().get("auth")
                .get("client_token").asText();
        Reply periodic = call("POST", "auth/token/create", sudo, "{\"period\":\"2h\"}");
        assertEquals(200, periodic.status(), () -> String.valueOf(periodic.json()));
        assertEquals(7200, periodic.json().get("auth").get("lease_duration").asInt());
    }

    @Test
    void aTokenTtlStopsAtTheSystemMaximumWithAWarning() {
        Reply r = call("POST", "auth/token/create", root, "{\"ttl\":\"9000h\"}");
        assertEquals(200, r.status());
        assertEquals(768 * 3600, r.json().get("auth").get("lease_duration").asInt());
        assertTrue(r.json().get("warnings").toString().contains("capped"), r.json().toString());
    }
}
