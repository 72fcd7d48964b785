package io.custos.broker.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.custos.engine.sdk.MutableClock;
import io.micronaut.test.annotation.MockBean;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Parent/child revocation, orphans, renewal capped at the max TTL, accessors, and expiry down the tree. */
@MicronautTest(transactional = false)
class TokenHierarchyTest extends BrokerHttpTest {
    private final MutableClock clock = new MutableClock();

    @MockBean(Clock.class)
    Clock clock() {
        return clock;
    }

    private String root;

    @BeforeAll
    void setUp() {
        root = initAndUnseal();
        call("PUT", "sys/policies/acl/maker", root, "{\"policy\":\"path \\\"auth/token/create\\\" {\\n capabilities = [\\\"update\\\"]\\n}\"}");
    }

    private JsonNode create(String parent, String body) {
        Reply r = call("POST", "auth/token/create", parent, body);
        assertEquals(200, r.status(), () -> String.valueOf(r.json()));
        return r.json().get("auth");
    }

    private boolean works(String token) {
        return call("GET", "auth/token/lookup-self", token, null).status() == 200;
    }

    @Test
    void revokingAParentRevokesTheWholeSubtree() {
        String a = create(root, "{\"policies\":[\"maker\"]}").get("client_token").asText();
        String b = create(a, "{}").get("client_token").asText();
        String c = create(b, "{}").get("client_token").asText();
        String sibling = create(root, "{\"policies\":[\"maker\"]}").get("client_token").asText();
        assertTrue(works(a) && works(b) && works(c));
        assertEquals(204, call("POST", "auth/token/revoke", root, "{\"token\":\"" + a + "\"}").status());
        assertFalse(works(a));
        assertFalse(works(b));
        assertFalse(works(c));
        assertTrue(works(sibling));
    }

    @Test
    void revokeOrphanKeepsTheChildrenAsOrphansAndNeedsSudo() {
        String a = create(root, "{\"policies\":[\"maker\"]}").get("client_token").asText();
        String b = create(a, "{}").get("client_token").asText();
        assertEquals(403, call("POST", "auth/token/revoke-orphan", a, "{\"token\":\"" + a + "\"}").status());
        assertEquals(204, call("POST", "auth/token/revoke-orphan", root, "{\"token\":\"" + a + "\"}").status());
        assertFalse(works(a));
        assertTrue(works(b));
        assertTrue(call("GET", "auth/token/lookup-self", b, null).json().get("data").get("orphan").asBoolean());
    }

    @Test
    void aChildStopsWhenItsParentExpires() throws Exception {
        String parent = create(root, "{\"policies\":[\"maker\"],\"ttl\":\"1s\"}").get("client_token").asText();
        String child = create(parent, "{\"ttl\":\"1h\"}").get("client_token").asText();
        assertTrue(works(child));
        clock.advance(Duration.ofMillis(1_100)); // the TTL passes without sleeping through it
        assertFalse(works(parent));
        assertFalse(works(child));
    }

    @Test
    void renewalCountsFromNowAndIsCappedAtTheMaxTtlWithVaultsWarning() {
        String t = create(root, "{\"policies\":[\"maker\"],\"ttl\":\"1h\",\"explicit_max_ttl\":\"2h\"}")
                .get("client_token").asText();
        Reply renewed = call("POST", "auth/token/renew-self", t, "{\"increment\":\"5h\"}");
        assertEquals(200, renewed.status(), () -> String.valueOf(renewed.json()));
        int ttl = renewed.json().get("auth").get("lease_duration").asInt();
        assertTrue(ttl <= 7200 && ttl > 7100, "capped at creation + 2h, got " + ttl);
        assertTrue(renewed.json().get("warnings").get(0).asText().startsWith(
                "TTL of \"5h0m0s\" exceeded the effective max_ttl of"), renewed.json().toString());
        Reply shorter = call("POST", "auth/token/renew-self", t, "{\"increment\":\"10m\"}");
        assertEquals(600, shorter.json().get("auth").get("lease_duration").asInt());
        assertTrue(shorter.json().get("warnings").isNull());

        String fixed = create(root, "{\"policies\":[\"maker\"],\"renewable\":false}").get("client_token").asText();
        Reply refused = call("POST", "auth/token/renew-self", fixed, "{}");
        assertEquals(400, refused.status());
    }

    @Test
    void accessorsLookUpRenewAndRevokeWithoutTheToken() {
        JsonNode auth = create(root, "{\"policies\":[\"maker\"],\"meta\":{\"team\":\"web\"}}");
        String accessor = auth.get("accessor").asText();
        JsonNode byAccessor = call("POST", "auth/token/lookup-accessor", root, "{\"accessor\":\"" + accessor + "\"}")
                .json().get("data");
        assertEquals("", byAccessor.get("id").asText(), "the token itself is never returned by accessor");
        assertEquals("web", byAccessor.get("meta").get("team").asText());
        assertTrue(call("LIST", "auth/token/accessors", root, null).json().get("data").get("keys").toString()
                .contains(accessor));
        assertEquals(403, call("LIST", "auth/token/accessors", auth.get("client_token").asText(), null).status());
        assertEquals(204, call("POST", "auth/token/revoke-accessor", root, "{\"accessor\":\"" + accessor + "\"}").status());
        assertFalse(works(auth.get("client_token").asText()));
        assertEquals(400, call("POST", "auth/token/lookup-accessor", root, "{\"accessor\":\"" + accessor + "\"}").status());
    }

    @Test
    void tokenRolesBoundPoliciesAndSetOrphanAndMaxTtl() {
        call("PUT", "sys/policies/acl/reader", root, "{\"policy\":\"path \\\"kv/*\\\" {\\n capabilities = [\\\"read\\\"]\\n}\"}");
        assertEquals(204, call("POST", "auth/token/roles/ci", root, "{\"allowed_policies\":\"reader,maker\","
                + "\"disallowed_policies\":\"root\",\"orphan\":true,\"token_explicit_max_ttl\":\"30m\"}").status());
        JsonNode role = call("GET", "auth/token/roles/ci", root, null).json().get("data");
        assertEquals("[\"reader\",\"maker\"]", role.get("allowed_policies").toString());
        JsonNode auth = create(root, "{}");
        Reply viaRole = call("POST", "auth/token/create/ci", root, "{\"policies\":[\"reader\"],\"ttl\":\"2h\"}");
        assertEquals(200, viaRole.status(), () -> String.valueOf(viaRole.json()));
        JsonNode a = viaRole.json().get("auth");
        assertEquals("[\"reader\",\"default\"]", a.get("policies").toString());
        assertTrue(a.get("orphan").asBoolean());
        assertEquals(1800, a.get("lease_duration").asInt(), "bounded by the role's explicit max");
        assertEquals(400, call("POST", "auth/token/create/ci", root, "{\"policies\":[\"root\"]}").status());
        assertEquals(400, call("POST", "auth/token/create/ci", root, "{\"policies\":[\"other\"]}").status());
        assertEquals(400, call("POST", "auth/token/create/none", root, "{}").status());
        assertTrue(call("LIST", "auth/token/roles", root, null).json().get("data").get("keys").toString().contains("ci"));
        assertTrue(works(auth.get("client_token").asText()));
    }

    @Test
    void periodicTokensRenewToAFullPeriodAndPolicyDefaultTtlApplies() {
        JsonNode periodic = create(root, "{\"policies\":[\"maker\"],\"period\":\"30m\"}");
        assertEquals(1800, periodic.get("lease_duration").asInt());
        Reply renewed = call("POST", "auth/token/renew-self", periodic.get("client_token").asText(), "{\"increment\":\"5h\"}");
        assertEquals(1800, renewed.json().get("auth").get("lease_duration").asInt());
        assertTrue(renewed.json().get("warnings").isNull());
        assertEquals(1800, call("GET", "auth/token/lookup-self", periodic.get("client_token").asText(), null)
                .json().get("data").get("period").asInt());

        call("PUT", "sys/policies/acl/short-default", root, "{\"policy\":\"path \\\"auth/token/create\\\" {\\n"
                + " capabilities = [\\\"update\\\"]\\n default_ttl = \\\"20m\\\"\\n}\"}");
        String maker = create(root, "{\"policies\":[\"short-default\"]}").get("client_token").asText();
        assertEquals(1200, create(maker, "{}").get("lease_duration").asInt(), "the lease policy's default_ttl");
        assertEquals(600, create(maker, "{\"ttl\":\"10m\"}").get("lease_duration").asInt());
    }

    @Test
    void revokeSelfEndsTheCallingToken() {
        String t = create(root, "{\"policies\":[\"maker\"]}").get("client_token").asText();
        assertEquals(204, call("POST", "auth/token/revoke-self", t, null).status());
        assertFalse(works(t));
    }
}
