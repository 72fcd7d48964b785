package io.custos.broker.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.custos.broker.barrier.BarrierStorage;
import io.custos.broker.mount.AuthMountTable;
import io.custos.engine.sdk.MutableClock;
import io.micronaut.test.annotation.MockBean;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** AppRole mounted with sys/auth: role CRUD, role-id, secret-ids, login, and each way a login is refused. */
@MicronautTest(transactional = false)
class AppRoleTest extends BrokerHttpTest {
    private final MutableClock clock = new MutableClock();

    @Inject
    AuthMountTable authMounts;
    @Inject
    BarrierStorage storage;

    @MockBean(Clock.class)
    Clock clock() {
        return clock;
    }

    private String root;

    @BeforeAll
    void setUp() {
        root = initAndUnseal();
        assertEquals(204, call("POST", "sys/auth/approle", root, "{\"type\":\"approle\"}").status());
        call("POST", "sys/mounts/secret", root, "{\"type\":\"kv-v2\"}");
        call("POST", "secret/data/app/db", root, "{\"data\":{\"v\":\"1\"}}");
        call("PUT", "sys/policies/acl/app", root, "{\"policy\":\"path \\\"secret/data/app/*\\\" {\\n capabilities = [\\\"read\\\"]\\n}\"}");
    }

    private String roleId(String role) {
        return call("GET", "auth/approle/role/" + role + "/role-id", root, null).json().get("data").get("role_id").asText();
    }

    private JsonNode secretId(String role) {
        Reply r = call("POST", "auth/approle/role/" + role + "/secret-id", root, "{\"metadata\":{\"host\":\"web-1\"}}");
        assertEquals(200, r.status(), () -> String.valueOf(r.json()));
        return r.json().get("data");
    }

    private Reply login(String roleId, String secretId) {
        return call("POST", "auth/approle/login", null,
                "{\"role_id\":\"" + roleId + "\",\"secret_id\":\"" + secretId + "\"}");
    }

    @Test
    void goodLoginGivesATokenWithTheRolesPoliciesAndTtl() {
        assertEquals(204, call("POST", "auth/approle/role/web", root,
                "{\"token_policies\":\"app\",\"token_ttl\":\"20m\",\"token_max_ttl\":\"30m\"}").status());
        assertTrue(call("GET", "sys/auth", root, null).json().get("data").has("approle/"));
        assertTrue(call("GET", "sys/internal/specs/openapi", root, null).json().get("paths").has("/auth/approle/login"),
                "mounted auth methods are in the generated contract");
        Reply ok = login(roleId("web"), secretId("web").get("secret_id").asText());
        assertEquals(200, ok.status(), () -> String.valueOf(ok.json()));
        JsonNode auth = ok.json().get("auth");
        assertEquals("[\"app\",\"default\"]", auth.get("policies").toString());
        assertEquals(1200, auth.get("lease_duration").asInt());
        assertEquals("web-1", auth.get("metadata").get("host").asText());
        assertEquals("web", auth.get("metadata").get("role_name").asText());
        String token = auth.get("client_token").asText();
        assertEquals(200, call("GET", "secret/data/app/db", token, null).status());
        assertEquals(403, call("GET", "sys/mounts", token, null).status());
    }

    @Test
    void usedUpExpiredWrongAndUnboundSecretIdsAreRefused() throws Exception {
        call("POST", "auth/approle/role/once", root, "{\"token_policies\":\"app\",\"secret_id_num_uses\":1}");
        String rid = roleId("once");
        String sid = secretId("once").get("secret_id").asText();
        assertEquals(200, login(rid, sid).status());
        Reply usedUp = login(rid, sid);
        assertEquals(400, usedUp.status());
        assertEquals("invalid role or secret ID", usedUp.error());

        call("POST", "auth/approle/role/brief", root, "{\"token_policies\":\"app\",\"secret_id_ttl\":\"1s\"}");
        String briefSid = secretId("brief").get("secret_id").asText();
        clock.advance(Duration.ofMillis(1_100)); // the TTL passes without sleeping through it
        assertEquals(400, login(roleId("brief"), briefSid).status(), "expired secret-id");

        assertEquals(400, login(rid, "not-a-secret-id").status(), "wrong secret-id");
        assertEquals(400, login("not-a-role-id", sid).status(), "wrong role-id");
        call("POST", "auth/approle/role/gone", root, "{\"token_policies\":\"app\"}");
        String goneRid = roleId("gone");
        String goneSid = secretId("gone").get("secret_id").asText();
        assertEquals(204, call("DELETE", "auth/approle/role/gone", root, null).status());
        assertEquals(400, login(goneRid, goneSid).status(), "deleted role");
        assertEquals(400, call("POST", "auth/approle/login", null, "{\"role_id\":\"" + rid + "\"}").status(), "missing");

        call("POST", "auth/approle/role/fenced", root, "{\"token_policies\":\"app\",\"secret_id_bound_cidrs\":\"10.0.0.0/8\"}");
        Reply fenced = login(roleId("fenced"), secretId("fenced").get("secret_id").asText());
        assertEquals(400, fenced.status());
        assertTrue(fenced.error().contains("CIDR"), fenced.error());
        call("POST", "auth/approle/role/home", root, "{\"token_policies\":\"app\",\"secret_id_bound_cidrs\":\"127.0.0.0/8\"}");
        assertEquals(200, login(roleId("home"), secretId("home").get("secret_id").asText()).status());
        assertEquals(400, call("POST", "auth/approle/role/bad", root, "{\"secret_id_bound_cidrs\":\"not-a-cidr\"}").status());
    }

    @Test
    void secretIdsCanBeLookedUpAndDestroyedByAccessor() {
        call("POST", "auth/approle/role/ops", root, "{\"token_policies\":\"app\"}");
        JsonNode s = secretId("ops");
        String accessor = s.get("secret_id_accessor").asText();
        assertTrue(call("LIST", "auth/approle/role/ops/secret-id", root, null).json().get("data").get("keys")
                .toString().contains(accessor));
        assertEquals("web-1", call("POST", "auth/approle/role/ops/secret-id-accessor/lookup", root,
                "{\"secret_id_accessor\":\"" + accessor + "\"}").json().get("data").get("metadata").get("host").asText());
        assertEquals(204, call("POST", "auth/approle/role/ops/secret-id/destroy", root,
                "{\"secret_id\":\"" + s.get("secret_id").asText() + "\"}").status());
        assertEquals(400, login(roleId("ops"), s.get("secret_id").asText()).status());
        String custom = call("POST", "auth/approle/role/ops/role-id", root, "{\"role_id\":\"ops-fixed-id\"}")
                .json().get("data").get("role_id").asText();
        assertEquals("ops-fixed-id", roleId("ops"));
        assertEquals(200, login(custom, secretId("ops").get("secret_id").asText()).status());
        assertEquals(403, call("POST", "auth/approle/role/ops", null, "{}").status(), "role management needs a token");
    }

    /**
     * Two brokers changing a role's role-id at once each delete the old index entry and write their
     * own: one index entry is left naming the role under a role-id it no longer has. The role's own
     * record decides: that role-id logs in nowhere.
     */
    @Test
    void aRoleIdTheRoleNoLongerHasDoesNotLogInThoughAnIndexEntryNamesTheRole() {
        assertEquals(204, call("POST", "auth/approle/role/moved", root,
                "{\"token_policies\":\"app\",\"bind_secret_id\":false,\"secret_id_bound_cidrs\":\"127.0.0.0/8\"}")
                .status());
        String oldId = roleId("moved");
        String index = authMounts.get("approle").orElseThrow().storagePrefix() + "role_id/";
        List<String> entries = storage.list(index).stream()
                .filter(k -> "moved".equals(new String(storage.get(index + k).orElseThrow(), StandardCharsets.UTF_8)))
                .toList();
        assertEquals(1, entries.size());
        assertEquals(200, call("POST", "auth/approle/login", null, "{\"role_id\":\"" + oldId + "\"}").status());

        assertEquals(200, call("POST", "auth/approle/role/moved/role-id", root, "{\"role_id\":\"moved-new-id\"}").status());
        storage.put(index + entries.get(0), "moved".getBytes(StandardCharsets.UTF_8)); // what the race leaves
        Reply stale = call("POST", "auth/approle/login", null, "{\"role_id\":\"" + oldId + "\"}");
        assertEquals(400, stale.status());
        assertEquals("invalid role or secret ID", stale.error());
        assertEquals(200, call("POST", "auth/approle/login", null, "{\"role_id\":\"moved-new-id\"}").status());
        assertEquals(204, call("POST", "auth/approle/role/other", root, "{\"token_policies\":\"app\"}").status());
        Reply taken = call("POST", "auth/approle/role/other/role-id", root, "{\"role_id\":\"moved-new-id\"}");
        assertEquals(400, taken.status(), "a role-id is claimed once");
        assertEquals("role_id already in use", taken.error());
    }
}
