package io.custos.broker.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.custos.broker.http.BrokerHttpTest;
import io.custos.engine.sdk.Json;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Wrapping, cubbyhole, KV, leases and the sys tools as Vault Agent, Spring Vault, the Vault CLI,
 * hvac and vault-java-driver call them.
 */
@MicronautTest(transactional = false)
class SysContractTest extends BrokerHttpTest {
    private String root;

    @BeforeAll
    void setUp() {
        root = initAndUnseal();
        call("POST", "sys/mounts/secret", root, "{\"type\":\"kv\",\"options\":{\"version\":\"2\"}}");
        call("POST", "sys/mounts/kv1", root, "{\"type\":\"kv\"}");
        call("PUT", "sys/policies/acl/reader", root, "{\"policy\":\"path \\\"secret/data/*\\\" "
                + "{ capabilities = [\\\"read\\\", \\\"list\\\"] }\\npath \\\"secret/metadata/*\\\" "
                + "{ capabilities = [\\\"list\\\"] }\"}");
    }

    private String wrappedSecretId() {
        call("POST", "sys/auth/approle", root, "{\"type\":\"approle\"}");
        call("POST", "auth/approle/role/agent", root, "{\"token_policies\":\"reader\"}");
        Reply wrapped = call("POST", "auth/approle/role/agent/secret-id", root, null, "application/json",
                Map.of("X-Vault-Wrap-TTL", "5m"));
        return wrapped.json().get("wrap_info").get("token").asText();
    }

    @Test
    void vaultAgentLooksUpAWrappedSecretIdWithoutAnyOtherToken() {
        String wrapping = wrappedSecretId();
        // Vault Agent (approle auto-auth, secret_id_response_wrapping_path): GET with the wrapping token as the token
        Reply get = call("GET", "sys/wrapping/lookup", wrapping, null);
        assertEquals(200, get.status(), String.valueOf(get.json()));
        assertEquals("auth/approle/role/agent/secret-id", get.json().get("data").get("creation_path").asText());
        // the POST form, with no X-Vault-Token at all
        Reply post = call("POST", "sys/wrapping/lookup", null, "{\"token\":\"" + wrapping + "\"}");
        assertEquals(200, post.status());
        assertEquals(300, post.json().get("data").get("creation_ttl").asLong());
        // the lookup did not spend it
        Reply unwrap = call("POST", "sys/wrapping/unwrap", wrapping, null);
        assertEquals(200, unwrap.status());
        assertTrue(unwrap.json().get("data").has("secret_id"));
        Reply gone = call("POST", "sys/wrapping/lookup", null, "{\"token\":\"" + wrapping + "\"}");
        assertEquals(400, gone.status());
        assertEquals(400, call("GET", "sys/wrapping/lookup", "cvs.forged", null).status());
    }

    @Test
    void cubbyholeIsPrivatePerTokenAndGoesWithIt() {
        String a = call("POST", "auth/token/create", root, "{\"policies\":[\"default\"]}").json().get("auth")
                .get("client_token").asText();
        String b = call("POST", "auth/token/create", root, "{\"policies\":[\"default\"]}").json().get("auth")
                .get("client_token").asText();
        assertEquals(204, call("POST", "cubbyhole/app/config", a, "{\"password\":\"s3cr3t\"}").status());
        assertEquals("s3cr3t", call("GET", "cubbyhole/app/config", a, null).json().get("data").get("password").asText());
        assertEquals("cubbyhole", call("GET", "cubbyhole/app/config", a, null).json().get("mount_type").asText());
        assertEquals(404, call("GET", "cubbyhole/app/config", b, null).status(), "another token's cubbyhole is empty");
        assertEquals("[\"app/\"]", call("LIST", "cubbyhole/", a, null).json().get("data").get("keys").toString());
        assertEquals("[\"config\"]", call("GET", "cubbyhole/app?list=true", a, null).json().get("data").get("keys")
                .toString());
        Reply slash = call("POST", "cubbyhole/app/", a, "{\"x\":\"y\"}");
        assertEquals(400, slash.status());
        assertEquals("cannot write to a path ending in '/'", slash.error());
        String accessor = call("GET", "auth/token/lookup-self", a, null).json().get("data").get("accessor").asText();
        assertEquals(1, storedUnder("core/cubbyhole/" + accessor + "/"));
        call("POST", "auth/token/revoke-accessor", root, "{\"accessor\":\"" + accessor + "\"}");
        assertEquals(0, storedUnder("core/cubbyhole/" + accessor + "/"), "revoking the token empties its cubbyhole");
        // a token with the same rights never sees it
        String c = call("POST", "auth/token/create", root, "{\"policies\":[\"default\"]}").json().get("auth")
                .get("client_token").asText();
        assertEquals(404, call("GET", "cubbyhole/app/config", c, null).status());
        assertEquals(204, call("DELETE", "cubbyhole/app/config", b, null).status());
    }

    @Test
    void legacyUnwrappingThroughCubbyholeResponseWorksOnce() {
        Reply wrapped = call("GET", "sys/health", root, null);
        assertEquals(200, wrapped.status());
        call("POST", "secret/data/legacy", root, "{\"data\":{\"k\":\"v\"}}");
        String w = call("GET", "secret/data/legacy", root, null, "application/json", Map.of("X-Vault-Wrap-TTL", "1m"))
                .json().get("wrap_info").get("token").asText();
        Reply r = call("GET", "cubbyhole/response", w, null);
        assertEquals(200, r.status(), String.valueOf(r.json()));
        JsonNode inner = readTree(r.json().get("data").get("response").asText());
        assertEquals("v", inner.get("data").get("data").get("k").asText());
        assertEquals(403, call("GET", "cubbyhole/response", w, null).status(), "once");
    }

    /** Entries stored below a path, counted in PostgreSQL itself. */
    private long storedUnder(String prefix) {
        try (Connection c = db.connect(); PreparedStatement st = c.prepareStatement(
                "SELECT count(*) FROM custos_entries WHERE path LIKE ? || '%'")) {
            st.setString(1, prefix);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode readTree(String json) {
        try {
            return Json.MAPPER.readTree(json);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void kvPatchOfNothingIs404AsVaultSays() {
        Reply missing = call("PATCH", "secret/data/never-written", root, "{\"data\":{\"a\":\"b\"}}",
                "application/merge-patch+json");
        assertEquals(404, missing.status());
        assertEquals("[]", missing.json().get("errors").toString());
        call("POST", "secret/data/deleted", root, "{\"data\":{\"a\":\"b\"}}");
        call("DELETE", "secret/data/deleted", root, null);
        assertEquals(404, call("PATCH", "secret/data/deleted", root, "{\"data\":{\"a\":\"c\"}}",
                "application/merge-patch+json").status());
        Reply slash = call("POST", "kv1/folder/", root, "{\"a\":\"b\"}");
        assertEquals(400, slash.status());
        assertEquals("cannot write to a path ending in '/'", slash.error());
    }

    @Test
    void leaseRevokeWithoutSyncRevokesFirstAndAnswers204() {
        Reply noLease = call("PUT", "sys/leases/revoke", root, "{\"lease_id\":\"secret/creds/none/abc\"}");
        assertEquals(204, noLease.status());
        Reply queued = call("PUT", "sys/leases/revoke", root, "{\"lease_id\":\"secret/creds/none/abc\",\"sync\":false}");
        assertEquals(202, queued.status());
        JsonNode count = call("GET", "sys/leases/count?type=irrevocable", root, null).json().get("data");
        assertEquals(0, count.get("lease_count").asLong());
        assertEquals(0, count.get("counts").get("root").asLong());
        Reply tidy = call("POST", "sys/leases/tidy", root, null);
        assertEquals(202, tidy.status());
        assertTrue(tidy.json().get("warnings").get(0).asText().startsWith("Tidy operation successfully started"));
    }

    @Test
    void capabilitiesAsTheCliAndHvacAsk() {
        String reader = call("POST", "auth/token/create", root, "{\"policies\":[\"reader\"]}").json().get("auth")
                .get("client_token").asText();
        String accessor = call("GET", "auth/token/lookup-self", reader, null).json().get("data").get("accessor").asText();
        Reply self = call("POST", "sys/capabilities-self", reader, "{\"paths\":[\"secret/data/app\"]}");
        assertEquals(200, self.status(), String.valueOf(self.json()));
        assertEquals("[\"list\",\"read\"]", self.json().get("data").get("capabilities").toString());
        assertEquals("[\"list\",\"read\"]", self.json().get("data").get("secret/data/app").toString());
        // as Vault's older sys routes: the data is also at the top level, where hvac reads it
        assertEquals("[\"list\",\"read\"]", self.json().get("capabilities").toString());
        assertTrue(call("GET", "sys/mounts", root, null).json().has("secret/"));
        assertFalse(call("GET", "secret/data/app", root, null).json().has("capabilities"));
        Reply two = call("POST", "sys/capabilities", root, "{\"token\":\"" + reader + "\",\"paths\":[\"secret/data/x\","
                + "\"sys/mounts\"]}");
        assertEquals("[\"deny\"]", two.json().get("data").get("sys/mounts").toString());
        assertFalse(two.json().get("data").has("capabilities"), "only for a single path");
        Reply byAccessor = call("POST", "sys/capabilities-accessor", root, "{\"accessor\":\"" + accessor
                + "\",\"path\":\"secret/data/y\"}");
        assertEquals("[\"list\",\"read\"]", byAccessor.json().get("data").get("capabilities").toString());
        assertEquals("[\"root\"]", call("POST", "sys/capabilities-self", root, "{\"path\":\"anything\"}").json()
                .get("data").get("capabilities").toString());
        Reply bad = call("POST", "sys/capabilities", root, "{\"token\":\"cvs.nope\",\"paths\":[\"a\"]}");
        assertEquals(400, bad.status());
        assertEquals("invalid token", bad.error());
        assertEquals(403, call("POST", "sys/capabilities", reader, "{\"token\":\"" + root + "\",\"paths\":[\"a\"]}")
                .status(), "asking about another token needs a grant");
    }

    @Test
    void pathHelpFormBodiesAndKvV1LeaseHint() {
        // vault path-help secret/data/app
        Reply help = call("GET", "secret/data/app?help=1", root, null);
        assertEquals(200, help.status(), String.valueOf(help.json()));
        assertTrue(help.json().get("help").asText().contains("## PARAMETERS"), help.json().get("help").asText());
        assertTrue(help.json().get("openapi").get("paths").size() > 0);
        String nobody = call("POST", "auth/token/create", root, "{\"policies\":[\"default\"]}").json().get("auth")
                .get("client_token").asText();
        assertEquals(403, call("GET", "secret/data/app?help=1", nobody, null).status());
        // form-encoded, as curl -d and older clients send
        Reply form = call("POST", "kv1/form", root, "password=p%40ss&user=app", "application/x-www-form-urlencoded");
        assertEquals(204, form.status());
        // curl -d '{...}' sends JSON with the form type: read as JSON, as Vault does
        assertEquals(204, call("POST", "kv1/curl", root, "  {\"k\":\"v\"}", "application/x-www-form-urlencoded")
                .status());
        assertEquals("v", call("GET", "kv1/curl", root, null).json().get("data").get("k").asText());
        Reply read = call("GET", "kv1/form", root, null);
        assertEquals("p@ss", read.json().get("data").get("password").asText());
        // a KV v1 read carries the mount's default lease TTL, or the secret's own ttl
        assertEquals(2764800, read.json().get("lease_duration").asLong());
        call("POST", "kv1/hinted", root, "{\"ttl\":\"1h\",\"v\":\"x\"}");
        assertEquals(3600, call("GET", "kv1/hinted", root, null).json().get("lease_duration").asLong());
        call("POST", "secret/data/v2hint", root, "{\"data\":{\"ttl\":\"1h\"}}");
        assertEquals(0, call("GET", "secret/data/v2hint", root, null).json().get("lease_duration").asLong(),
                "KV v2 has no lease hint");
    }

    @Test
    void toolsRandomAndHash() {
        Reply r = call("POST", "sys/tools/random/16", root, "{\"format\":\"hex\"}");
        assertEquals(200, r.status(), String.valueOf(r.json()));
        assertTrue(r.json().get("data").get("random_bytes").asText().matches("[0-9a-f]{32}"));
        assertEquals(32, Base64.getDecoder().decode(call("POST", "sys/tools/random", root, "{}").json().get("data")
                .get("random_bytes").asText()).length);
        assertEquals(8, Base64.getDecoder().decode(call("POST", "sys/tools/random/platform/8", root, null).json()
                .get("data").get("random_bytes").asText()).length);
        assertEquals(400, call("POST", "sys/tools/random", root, "{\"bytes\":200000}").status());
        assertEquals(400, call("POST", "sys/tools/random", root, "{\"bytes\":0}").status());
        String input = Base64.getEncoder().encodeToString("hello".getBytes());
        // sha2-256("hello"), the example of Vault's documentation
        assertEquals("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824", call("POST", "sys/tools/hash",
                root, "{\"input\":\"" + input + "\"}").json().get("data").get("sum").asText());
        String user = call("POST", "auth/token/create", root, "{\"policies\":[\"default\"]}").json().get("auth")
                .get("client_token").asText();
        Reply hashed = call("POST", "sys/tools/hash/sha2-512", user, "{\"input\":\"" + input + "\",\"format\":\"base64\"}");
        assertEquals(200, hashed.status(), "the default policy grants sys/tools/hash");
        assertEquals(64, Base64.getDecoder().decode(hashed.json().get("data").get("sum").asText()).length);
        assertEquals(400, call("POST", "sys/tools/hash/md5", root, "{\"input\":\"" + input + "\"}").status());
        assertEquals(400, call("POST", "sys/tools/hash", root, "{\"input\":\"%%%\"}").status());
    }
}
