package io.custos.broker.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.custos.broker.http.BrokerHttpTest;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.time.Instant;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Tokens and AppRole as Terraform's provider ({@code vault_approle_auth_backend_role},
 * {@code vault_approle_auth_backend_role_secret_id}, {@code vault_token_auth_backend_role}), hvac
 * and the Vault CLI call them: their exact bodies, Vault's codes, shapes and error texts.
 */
@MicronautTest(transactional = false)
class AuthContractTest extends BrokerHttpTest {
    private String root;

    @BeforeAll
    void setUp() {
        root = initAndUnseal();
        call("POST", "sys/auth/approle", root, "{\"type\":\"approle\"}");
        call("PUT", "sys/policies/acl/app", root, "{\"policy\":\"path \\\"secret/*\\\" { capabilities = [\\\"read\\\"] }\"}");
    }

    private String login(String role, String secretId) {
        String roleId = call("GET", "auth/approle/role/" + role + "/role-id", root, null).json().get("data")
                .get("role_id").asText();
        Reply r = call("POST", "auth/approle/login", null, "{\"role_id\":\"" + roleId + "\",\"secret_id\":\""
                + secretId + "\"}");
        assertEquals(200, r.status(), () -> String.valueOf(r.json()));
        return r.json().get("auth").get("client_token").asText();
    }

    @Test
    void terraformAppRoleRoleReadsBackWhatItWrote() {
        // vault_approle_auth_backend_role with the common token fields
        assertEquals(204, call("POST", "auth/approle/role/tf", root, "{\"token_policies\":[\"app\"],\"token_ttl\":600,"
                + "\"token_max_ttl\":1200,\"token_period\":0,\"token_explicit_max_ttl\":3600,\"token_num_uses\":0,"
                + "\"token_no_default_policy\":false,\"token_bound_cidrs\":[],\"token_type\":\"default\","
                + "\"bind_secret_id\":true,\"secret_id_bound_cidrs\":[],\"secret_id_num_uses\":0,\"secret_id_ttl\":0}")
                .status());
        JsonNode role = call("GET", "auth/approle/role/tf", root, null).json().get("data");
        assertEquals("default", role.get("token_type").asText());
        assertEquals(3600, role.get("token_explicit_max_ttl").asLong());
        assertEquals(0, role.get("token_period").asLong());
        assertEquals(600, role.get("token_ttl").asLong());
        assertFalse(role.get("local_secret_ids").asBoolean());
        assertEquals(0, role.get("secret_id_ttl").asLong());
        // Terraform sends "metadata":"" on every secret-id
        Reply sid = call("POST", "auth/approle/role/tf/secret-id", root, "{\"metadata\":\"\",\"cidr_list\":[],"
                + "\"token_bound_cidrs\":[]}");
        assertEquals(200, sid.status(), String.valueOf(sid.json()));
        String token = login("tf", sid.json().get("data").get("secret_id").asText());
        JsonNode self = call("GET", "auth/token/lookup-self", token, null).json().get("data");
        assertEquals(3600, self.get("explicit_max_ttl").asLong());
        assertEquals("service", self.get("type").asText());
    }

    @Test
    void hvacSendsSecretIdMetadataAsAJsonString() {
        call("POST", "auth/approle/role/hv", root, "{\"token_policies\":\"app\"}");
        // hvac: params["metadata"] = json.dumps(metadata)
        Reply sid = call("POST", "auth/approle/role/hv/secret-id", root,
                "{\"metadata\":\"{\\\"team\\\": \\\"payments\\\"}\"}");
        assertEquals(200, sid.status(), String.valueOf(sid.json()));
        String token = login("hv", sid.json().get("data").get("secret_id").asText());
        assertEquals("payments", call("GET", "auth/token/lookup-self", token, null).json().get("data").get("meta")
                .get("team").asText());
        Reply bad = call("POST", "auth/approle/role/hv/secret-id", root, "{\"metadata\":\"not json\"}");
        assertEquals(400, bad.status());
    }

    @Test
    void secretIdTtlNumUsesCustomSecretIdAndTidy() {
        call("POST", "auth/approle/role/lim", root, "{\"token_policies\":\"app\",\"secret_id_num_uses\":5,"
                + "\"secret_id_ttl\":\"1h\"}");
        Reply sid = call("POST", "auth/approle/role/lim/secret-id", root, "{\"ttl\":\"10m\",\"num_uses\":1}");
        assertEquals(200, sid.status(), String.valueOf(sid.json()));
        assertEquals(600, sid.json().get("data").get("secret_id_ttl").asLong());
        assertEquals(1, sid.json().get("data").get("secret_id_num_uses").asLong());
        String secret = sid.json().get("data").get("secret_id").asText();
        login("lim", secret);
        String roleId = call("GET", "auth/approle/role/lim/role-id", root, null).json().get("data").get("role_id").asText();
        assertEquals(400, call("POST", "auth/approle/login", null, "{\"role_id\":\"" + roleId + "\",\"secret_id\":\""
                + secret + "\"}").status(), "one use only");
        assertEquals(400, call("POST", "auth/approle/role/lim/secret-id", root, "{\"ttl\":\"2h\"}").status());
        assertEquals(400, call("POST", "auth/approle/role/lim/secret-id", root, "{\"num_uses\":6}").status());
        // custom-secret-id (Terraform's vault_approle_auth_backend_role_secret_id with secret_id set)
        Reply custom = call("POST", "auth/approle/role/lim/custom-secret-id", root,
                "{\"secret_id\":\"my-own-secret-id\",\"metadata\":\"\"}");
        assertEquals(200, custom.status(), String.valueOf(custom.json()));
        assertEquals("my-own-secret-id", custom.json().get("data").get("secret_id").asText());
        login("lim", "my-own-secret-id");
        Reply again = call("POST", "auth/approle/role/lim/custom-secret-id", root, "{\"secret_id\":\"my-own-secret-id\"}");
        assertEquals(400, again.status());
        assertEquals("SecretID is already registered", again.error());
        Reply tidy = call("POST", "auth/approle/tidy/secret-id", root, null);
        assertEquals(202, tidy.status());
        assertTrue(tidy.json().get("warnings").get(0).asText().startsWith("Tidy operation successfully started"));
    }

    @Test
    void batchTokensAreNotStoredRenewedOrRevokedAndDieWithTheirParent() {
        String parent = call("POST", "auth/token/create", root, "{\"policies\":[\"app\"],\"ttl\":\"1h\"}").json()
                .get("auth").get("client_token").asText();
        // a child of a non-root parent: batch
        String admin = call("POST", "auth/token/create", root, "{\"policies\":[\"app\"],\"ttl\":\"1h\"}").json()
                .get("auth").get("client_token").asText();
        Reply batch = call("POST", "auth/token/create", root, "{\"type\":\"batch\",\"policies\":[\"app\"],\"ttl\":\"10m\"}");
        assertEquals(200, batch.status(), String.valueOf(batch.json()));
        JsonNode auth = batch.json().get("auth");
        assertEquals("batch", auth.get("token_type").asText());
        assertEquals("", auth.get("accessor").asText());
        assertFalse(auth.get("renewable").asBoolean());
        String token = auth.get("client_token").asText();
        JsonNode self = call("GET", "auth/token/lookup-self", token, null).json().get("data");
        assertEquals("batch", self.get("type").asText());
        assertEquals(400, call("POST", "auth/token/renew-self", token, "{}").status());
        Reply revoke = call("POST", "auth/token/revoke", root, "{\"token\":\"" + token + "\"}");
        assertEquals(400, revoke.status());
        assertEquals("batch tokens cannot be revoked", revoke.error());
        call("PUT", "sys/policies/acl/creator", root, "{\"policy\":\"path \\\"auth/token/create\\\" "
                + "{ capabilities = [\\\"update\\\"] }\"}");
        String batchCreator = call("POST", "auth/token/create", root, "{\"type\":\"batch\",\"policies\":[\"creator\"]}")
                .json().get("auth").get("client_token").asText();
        Reply noChild = call("POST", "auth/token/create", batchCreator, "{\"policies\":[\"creator\"]}");
        assertEquals(400, noChild.status());
        assertEquals("batch tokens cannot create child tokens", noChild.error());
        assertEquals(400, call("POST", "auth/token/create", root, "{\"type\":\"batch\",\"num_uses\":3}").status());
        assertEquals(400, call("POST", "auth/token/create", root, "{\"type\":\"batch\"}").status(), "never root");
        // an altered batch token is no token
        char last = token.charAt(token.length() - 2);
        String forged = token.substring(0, token.length() - 2) + (last == 'A' ? 'B' : 'A') + token.charAt(token.length() - 1);
        assertEquals(403, call("GET", "auth/token/lookup-self", forged, null).status());
        // a batch child goes with its parent
        String creator = call("POST", "auth/token/create", root, "{\"policies\":[\"creator\",\"app\"],\"ttl\":\"1h\"}")
                .json().get("auth").get("client_token").asText();
        String child = call("POST", "auth/token/create", creator, "{\"type\":\"batch\",\"policies\":[\"app\"]}").json()
                .get("auth").get("client_token").asText();
        assertEquals(200, call("GET", "auth/token/lookup-self", child, null).status());
        call("POST", "auth/token/revoke-self", creator, null);
        assertEquals(403, call("GET", "auth/token/lookup-self", child, null).status());
        assertEquals(200, call("GET", "auth/token/lookup-self", parent, null).status());
        assertEquals(200, call("GET", "auth/token/lookup-self", admin, null).status());
    }

    @Test
    void loginsFollowTheRoleAndMountTokenType() {
        call("POST", "auth/approle/role/batchy", root, "{\"token_policies\":\"app\",\"token_type\":\"batch\"}");
        String secret = call("POST", "auth/approle/role/batchy/secret-id", root, null).json().get("data")
                .get("secret_id").asText();
        String token = login("batchy", secret);
        assertTrue(token.startsWith("cvb."), token);
        assertEquals(400, call("POST", "auth/approle/role/periodic-batch", root,
                "{\"token_type\":\"batch\",\"token_period\":\"1h\"}").status());
        // a mount tuned to service wins over the role
        call("POST", "sys/auth/approle2", root, "{\"type\":\"approle\",\"config\":{\"token_type\":\"service\"}}");
        call("POST", "auth/approle2/role/r", root, "{\"token_policies\":\"app\",\"token_type\":\"batch\"}");
        String roleId = call("GET", "auth/approle2/role/r/role-id", root, null).json().get("data").get("role_id").asText();
        String sid = call("POST", "auth/approle2/role/r/secret-id", root, null).json().get("data").get("secret_id").asText();
        JsonNode a = call("POST", "auth/approle2/login", null, "{\"role_id\":\"" + roleId + "\",\"secret_id\":\"" + sid
                + "\"}").json().get("auth");
        assertEquals("service", a.get("token_type").asText());
        // a periodic role: every renewal restores the period
        call("POST", "auth/approle/role/periodic", root, "{\"token_policies\":\"app\",\"token_period\":\"30m\"}");
        String p = login("periodic", call("POST", "auth/approle/role/periodic/secret-id", root, null).json().get("data")
                .get("secret_id").asText());
        JsonNode self = call("GET", "auth/token/lookup-self", p, null).json().get("data");
        assertEquals(1800, self.get("period").asLong());
        assertEquals(1800, self.get("creation_ttl").asLong());
    }

    @Test
    void customTokenIdsForRootOnlyAndBase62Accessors() {
        Reply r = call("POST", "auth/token/create", root, "{\"id\":\"ci-fixed-token\",\"policies\":[\"app\"]}");
        assertEquals(200, r.status(), String.valueOf(r.json()));
        assertEquals("ci-fixed-token", r.json().get("auth").get("client_token").asText());
        assertEquals(200, call("GET", "auth/token/lookup-self", "ci-fixed-token", null).status());
        assertEquals(400, call("POST", "auth/token/create", root, "{\"id\":\"ci-fixed-token\"}").status(), "taken");
        String app = r.json().get("auth").get("client_token").asText();
        call("PUT", "sys/policies/acl/creator2", root, "{\"policy\":\"path \\\"auth/token/create\\\" "
                + "{ capabilities = [\\\"update\\\"] }\"}");
        String creator = call("POST", "auth/token/create", root, "{\"policies\":[\"creator2\"]}").json().get("auth")
                .get("client_token").asText();
        Reply refused = call("POST", "auth/token/create", creator, "{\"id\":\"mine\"}");
        assertEquals(400, refused.status());
        assertEquals("root or sudo privileges required to specify token id", refused.error());
        for (int i = 0; i < 20; i++) {
            JsonNode a = call("POST", "auth/token/create", root, "{\"policies\":[\"app\"]}").json().get("auth");
            assertTrue(a.get("accessor").asText().matches("[0-9A-Za-z]{24}"), a.get("accessor").asText());
            assertTrue(a.get("client_token").asText().matches("cvs\\.[0-9A-Za-z]{43}"));
        }
        assertEquals(200, call("GET", "auth/token/lookup-self", app, null).status());
    }

    @Test
    void disablingOrRevokingAnAuthMethodsPrefixRevokesItsTokens() {
        call("POST", "sys/auth/doomed", root, "{\"type\":\"approle\"}");
        call("POST", "auth/doomed/role/r", root, "{\"token_policies\":\"app\"}");
        String roleId = call("GET", "auth/doomed/role/r/role-id", root, null).json().get("data").get("role_id").asText();
        Supplier<String> login = () -> call("POST", "auth/doomed/login", null, "{\"role_id\":\""
                + roleId + "\",\"secret_id\":\"" + call("POST", "auth/doomed/role/r/secret-id", root, null).json()
                .get("data").get("secret_id").asText() + "\"}").json().get("auth").get("client_token").asText();
        String first = login.get();
        assertEquals(200, call("GET", "auth/token/lookup-self", first, null).status());
        // vault lease revoke -prefix auth/doomed/
        assertEquals(204, call("PUT", "sys/leases/revoke-prefix/auth/doomed/", root, "{}").status());
        assertEquals(403, call("GET", "auth/token/lookup-self", first, null).status());
        String second = login.get();
        assertEquals(204, call("DELETE", "sys/auth/doomed", root, null).status());
        assertEquals(403, call("GET", "auth/token/lookup-self", second, null).status());
    }

    @Test
    void everyAuthMethodsRolesStoreAndEchoTheCommonTokenFields() {
        call("POST", "sys/auth/kubernetes", root, "{\"type\":\"kubernetes\"}");
        call("POST", "sys/auth/jwt", root, "{\"type\":\"jwt\"}");
        String fields = "\"token_period\":\"1h\",\"token_explicit_max_ttl\":\"10h\",\"token_type\":\"service\","
                + "\"token_no_default_policy\":true,\"token_num_uses\":7,\"token_bound_cidrs\":[\"10.0.0.0/8\"]";
        Reply k8s = call("POST", "auth/kubernetes/role/k", root, "{\"bound_service_account_names\":[\"app\"],"
                + "\"bound_service_account_namespaces\":[\"default\"]," + fields + "}");
        assertEquals(204, k8s.status(), String.valueOf(k8s.json()));
        Reply jwt = call("POST", "auth/jwt/role/j", root, "{\"role_type\":\"jwt\",\"user_claim\":\"sub\","
                + "\"bound_audiences\":[\"custos\"]," + fields + "}");
        assertTrue(jwt.status() == 204 || jwt.status() == 200, String.valueOf(jwt.json()));
        Reply approle = call("POST", "auth/approle/role/common", root, "{" + fields + "}");
        assertEquals(204, approle.status(), String.valueOf(approle.json()));
        for (String path : List.of("auth/kubernetes/role/k", "auth/jwt/role/j", "auth/approle/role/common")) {
            JsonNode role = call("GET", path, root, null).json().get("data");
            assertEquals(3600, role.get("token_period").asLong(), path);
            assertEquals(36000, role.get("token_explicit_max_ttl").asLong(), path);
            assertEquals("service", role.get("token_type").asText(), path);
            assertTrue(role.get("token_no_default_policy").asBoolean(), path);
            assertEquals(7, role.get("token_num_uses").asLong(), path);
            assertEquals("10.0.0.0/8", role.get("token_bound_cidrs").get(0).asText(), path);
        }
        assertEquals(400, call("POST", "auth/kubernetes/role/k", root, "{\"token_type\":\"sometimes\"}").status());
    }

    @Test
    void lookupShowsIssueAndLastRenewalTimesAndKeepsTheCreationTtl() {
        String t = call("POST", "auth/token/create", root, "{\"policies\":[\"app\"],\"ttl\":\"1h\"}").json()
                .get("auth").get("client_token").asText();
        JsonNode before = call("GET", "auth/token/lookup-self", t, null).json().get("data");
        Instant.parse(before.get("issue_time").asText());
        assertFalse(before.has("last_renewal_time"));
        JsonNode renewed = call("POST", "auth/token/renew-self", t, "{\"increment\":\"2h\"}").json().get("auth");
        assertEquals(7200, renewed.get("lease_duration").asLong(), 2);
        JsonNode after = call("GET", "auth/token/lookup-self", t, null).json().get("data");
        assertTrue(after.get("last_renewal_time").asLong() > 0);
        assertEquals(3600, after.get("creation_ttl").asLong());
        assertTrue(after.get("ttl").asLong() > 3600);
    }

    @Test
    void vaultsTokenErrorTexts() {
        Reply lookup = call("POST", "auth/token/lookup", root, "{\"token\":\"cvs.nosuchtoken\"}");
        assertEquals(403, lookup.status());
        assertEquals("bad token", lookup.error());
        Reply accessor = call("POST", "auth/token/revoke-accessor", root, "{\"accessor\":\"nosuchaccessor\"}");
        assertEquals(400, accessor.status());
        assertEquals("invalid accessor", accessor.error());
        Reply byAccessor = call("POST", "auth/token/lookup-accessor", root, "{\"accessor\":\"nosuchaccessor\"}");
        assertEquals(400, byAccessor.status());
        assertEquals("invalid accessor", byAccessor.error());
    }

    @Test
    void terraformTokenRoleWithGlobsSuffixAndPeriod() {
        assertEquals(204, call("POST", "auth/token/roles/tf-role", root, "{\"allowed_policies\":[\"app\"],"
                + "\"allowed_policies_glob\":[\"team-*\"],\"disallowed_policies_glob\":[\"team-admin*\"],"
                + "\"orphan\":true,\"renewable\":true,\"path_suffix\":\"v2\",\"token_period\":\"2h\","
                + "\"token_explicit_max_ttl\":0,\"token_type\":\"default-service\",\"token_bound_cidrs\":[],"
                + "\"allowed_entity_aliases\":[]}").status());
        JsonNode role = call("GET", "auth/token/roles/tf-role", root, null).json().get("data");
        assertEquals("team-*", role.get("allowed_policies_glob").get(0).asText());
        assertEquals("v2", role.get("path_suffix").asText());
        assertEquals(7200, role.get("token_period").asLong());
        assertEquals("default-service", role.get("token_type").asText());
        Reply ok = call("POST", "auth/token/create/tf-role", root, "{\"policies\":[\"team-payments\"]}");
        assertEquals(200, ok.status(), String.valueOf(ok.json()));
        String t = ok.json().get("auth").get("client_token").asText();
        JsonNode self = call("GET", "auth/token/lookup-self", t, null).json().get("data");
        assertEquals("auth/token/create/tf-role/v2", self.get("path").asText());
        assertEquals(7200, self.get("period").asLong());
        Reply denied = call("POST", "auth/token/create/tf-role", root, "{\"policies\":[\"team-admins\"]}");
        assertEquals(400, denied.status());
        assertEquals("token policy \"team-admins\" is disallowed by this role", denied.error());
        assertEquals(400, call("POST", "auth/token/create/tf-role", root, "{\"policies\":[\"other\"]}").status());
        assertEquals(400, call("POST", "auth/token/roles/bad", root, "{\"path_suffix\":\"../x\"}").status());
    }
}
