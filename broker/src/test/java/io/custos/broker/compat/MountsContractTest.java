package io.custos.broker.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.custos.broker.http.BrokerHttpTest;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The requests Terraform's Vault provider ({@code vault_mount}, {@code vault_auth_backend}), the
 * Vault CLI ({@code vault auth tune}, {@code vault secrets move}) and hvac make against sys/mounts
 * and sys/auth, replayed byte for byte, with Vault's status codes, shapes and error texts.
 */
@MicronautTest(transactional = false)
class MountsContractTest extends BrokerHttpTest {
    /** What the Go API's MountConfigInput serialises when only a description is set. */
    private static final String EMPTY_CONFIG = "{\"options\":null,\"default_lease_ttl\":\"\",\"max_lease_ttl\":\"\","
            + "\"force_no_cache\":false}";
    private String root;

    @BeforeAll
    void setUp() {
        root = initAndUnseal();
    }

    @Test
    void terraformAuthBackendCreateReadTuneReadDelete() {
        // resource "vault_auth_backend" { type = "approle", path = "tf-approle", tune { ... } }
        assertEquals(204, call("POST", "sys/auth/tf-approle", root, "{\"type\":\"approle\",\"description\":\"made by tf\","
                + "\"config\":" + EMPTY_CONFIG + ",\"local\":false,\"seal_wrap\":false,\"external_entropy_access\":false,"
                + "\"options\":null}").status());
        Reply read = call("GET", "sys/auth/tf-approle", root, null);
        assertEquals(200, read.status());
        JsonNode data = read.json().get("data");
        assertEquals("approle", data.get("type").asText());
        assertEquals("made by tf", data.get("description").asText());
        assertTrue(data.get("accessor").asText().startsWith("auth_approle_"), data.toString());
        assertEquals("default-service", data.get("config").get("token_type").asText());
        // the tune block
        Reply tune = call("POST", "sys/auth/tf-approle/tune", root, "{\"options\":null,\"default_lease_ttl\":\"1h\","
                + "\"max_lease_ttl\":\"24h\",\"force_no_cache\":false,\"audit_non_hmac_request_keys\":[\"role_id\"],"
                + "\"listing_visibility\":\"unauth\",\"passthrough_request_headers\":[\"X-Custom\"],"
                + "\"token_type\":\"default-batch\"}");
        assertEquals(204, tune.status(), String.valueOf(tune.json()));
        JsonNode config = call("GET", "sys/auth/tf-approle", root, null).json().get("data").get("config");
        assertEquals(3600, config.get("default_lease_ttl").asLong());
        assertEquals(86400, config.get("max_lease_ttl").asLong());
        assertEquals("default-batch", config.get("token_type").asText());
        assertEquals("unauth", config.get("listing_visibility").asText());
        assertEquals("role_id", config.get("audit_non_hmac_request_keys").get(0).asText());
        assertEquals("X-Custom", config.get("passthrough_request_headers").get(0).asText());
        JsonNode tuned = call("GET", "sys/auth/tf-approle/tune", root, null).json().get("data");
        assertEquals(3600, tuned.get("default_lease_ttl").asLong());
        assertEquals("default-batch", tuned.get("token_type").asText());
        assertEquals("unauth", tuned.get("listing_visibility").asText());
        // the mount is still an approle mount, not a new one at approle/tune
        assertFalse(call("GET", "sys/auth", root, null).json().get("data").has("tf-approle/tune/"));
        assertEquals(204, call("DELETE", "sys/auth/tf-approle", root, null).status());
        Reply gone = call("GET", "sys/auth/tf-approle", root, null);
        assertEquals(400, gone.status());
        assertEquals("No auth engine at tf-approle/", gone.error()); // the provider matches this text
    }

    @Test
    void aMissingAuthMountIsVaultsText() {
        for (String path : new String[] {"sys/auth/x", "sys/auth/x/tune"}) {
            Reply r = call("GET", path, root, null);
            assertEquals(400, r.status(), path);
            assertEquals("No auth engine at x/", r.error());
        }
        Reply tune = call("POST", "sys/auth/x/tune", root, "{\"default_lease_ttl\":\"1h\"}");
        assertEquals(400, tune.status());
        assertEquals("No auth engine at x/", tune.error());
    }

    @Test
    void terraformMountCreateReadTuneAndVaultsMissingText() {
        assertEquals(204, call("POST", "sys/mounts/tf-kv", root, "{\"type\":\"kv\",\"description\":\"\",\"config\":"
                + EMPTY_CONFIG + ",\"local\":false,\"seal_wrap\":false,\"external_entropy_access\":false,"
                + "\"options\":{\"version\":\"2\"}}").status());
        JsonNode m = call("GET", "sys/mounts/tf-kv", root, null).json().get("data");
        assertEquals("kv", m.get("type").asText());
        assertEquals("2", m.get("options").get("version").asText());
        assertFalse(m.get("config").has("token_type"), "secrets mounts have no token type");
        // tune GET gives the effective TTLs (the system's 768h), not 0
        JsonNode t = call("GET", "sys/mounts/tf-kv/tune", root, null).json().get("data");
        assertEquals(2764800, t.get("default_lease_ttl").asLong());
        assertEquals(2764800, t.get("max_lease_ttl").asLong());
        assertEquals(204, call("POST", "sys/mounts/tf-kv/tune", root,
                "{\"default_lease_ttl\":\"2h\",\"max_lease_ttl\":7200,\"allowed_response_headers\":\"X-A,X-B\"}").status());
        t = call("GET", "sys/mounts/tf-kv/tune", root, null).json().get("data");
        assertEquals(7200, t.get("default_lease_ttl").asLong());
        assertEquals(2, t.get("allowed_response_headers").size());
        // "system" puts a TTL back to the system's
        assertEquals(204, call("POST", "sys/mounts/tf-kv/tune", root,
                "{\"default_lease_ttl\":\"system\",\"max_lease_ttl\":\"system\"}").status());
        JsonNode config = call("GET", "sys/mounts/tf-kv", root, null).json().get("data").get("config");
        assertEquals(0, config.get("default_lease_ttl").asLong());
        assertEquals(2764800, call("GET", "sys/mounts/tf-kv/tune", root, null).json().get("data")
                .get("max_lease_ttl").asLong());
        Reply tokenType = call("POST", "sys/mounts/tf-kv/tune", root, "{\"token_type\":\"batch\"}");
        assertEquals(400, tokenType.status());
        for (String path : new String[] {"sys/mounts/nope", "sys/mounts/nope/tune"}) {
            Reply r = call("GET", path, root, null);
            assertEquals(400, r.status(), path);
            assertEquals("No secret engine mount at nope/", r.error());
        }
        assertEquals(400, call("POST", "sys/mounts/tf-kv/tune", root, "{\"listing_visibility\":\"everyone\"}").status());
        assertEquals(400, call("POST", "sys/mounts/tf-kv/tune", root,
                "{\"default_lease_ttl\":\"3h\",\"max_lease_ttl\":\"1h\"}").status());
    }

    @Test
    void defaultMountsAreListedAsVaultHasThem() {
        JsonNode mounts = call("GET", "sys/mounts", root, null).json().get("data");
        assertEquals("cubbyhole", mounts.get("cubbyhole/").get("type").asText());
        assertEquals("system", mounts.get("sys/").get("type").asText());
        JsonNode auth = call("GET", "sys/auth", root, null).json().get("data");
        assertEquals("token", auth.get("token/").get("type").asText());
        assertEquals("default-service", auth.get("token/").get("config").get("token_type").asText());
    }

    @Test
    void builtInMountsCanBeReadButNotTunedOrUnmounted() {
        // vault auth tune token/, vault read sys/auth/token/tune
        assertEquals("token", call("GET", "sys/auth/token", root, null).json().get("data").get("type").asText());
        assertEquals(2764800, call("GET", "sys/auth/token/tune", root, null).json().get("data")
                .get("max_lease_ttl").asLong());
        assertEquals("cubbyhole", call("GET", "sys/mounts/cubbyhole", root, null).json().get("data").get("type").asText());
        assertEquals(400, call("POST", "sys/auth/token/tune", root, "{\"max_lease_ttl\":\"1h\"}").status());
        Reply unmount = call("DELETE", "sys/mounts/cubbyhole", root, null);
        assertEquals(400, unmount.status());
        assertEquals("cannot unmount \"cubbyhole/\"", unmount.error());
        assertEquals(400, call("DELETE", "sys/auth/token", root, null).status());
    }

    @Test
    void vaultSecretsMoveRemountsWithItsDataAndReportsStatus() {
        call("POST", "sys/mounts/before", root, "{\"type\":\"kv\",\"options\":{\"version\":\"2\"}}");
        call("POST", "before/data/app", root, "{\"data\":{\"k\":\"v\"}}");
        Reply moved = call("POST", "sys/remount", root, "{\"from\":\"before\",\"to\":\"after\"}");
        assertEquals(200, moved.status(), String.valueOf(moved.json()));
        String id = moved.json().get("data").get("migration_id").asText();
        JsonNode status = call("GET", "sys/remount/status/" + id, root, null).json().get("data");
        assertEquals("success", status.get("migration_info").get("status").asText());
        assertEquals("before/", status.get("migration_info").get("source_mount").asText());
        assertEquals("v", call("GET", "after/data/app", root, null).json().get("data").get("data").get("k").asText());
        assertEquals(404, call("GET", "before/data/app", root, null).status());
        assertEquals(400, call("POST", "sys/remount", root, "{\"from\":\"after\",\"to\":\"auth/after\"}").status());
        assertEquals(400, call("POST", "sys/remount", root, "{\"from\":\"nothere\",\"to\":\"x\"}").status());
        // auth methods move too
        call("POST", "sys/auth/approle-a", root, "{\"type\":\"approle\"}");
        assertEquals(200, call("POST", "sys/remount", root, "{\"from\":\"auth/approle-a\",\"to\":\"auth/approle-b\"}")
                .status());
        assertEquals("approle", call("GET", "sys/auth/approle-b", root, null).json().get("data").get("type").asText());
    }

    @Test
    void internalUiMountsListsWhatTheCallerMaySeeAndUnauthMountsToEveryone() {
        call("POST", "sys/mounts/visible", root, "{\"type\":\"kv\",\"config\":{\"listing_visibility\":\"unauth\"}}");
        call("POST", "sys/mounts/private", root, "{\"type\":\"kv\"}");
        Reply anonymous = call("GET", "sys/internal/ui/mounts", null, null);
        assertEquals(200, anonymous.status());
        JsonNode secret = anonymous.json().get("data").get("secret");
        assertTrue(secret.has("visible/"));
        assertFalse(secret.has("private/"));
        assertTrue(call("GET", "sys/internal/ui/mounts", root, null).json().get("data").get("secret").has("private/"));
        assertEquals("cubbyhole", call("GET", "sys/internal/ui/mounts/cubbyhole/x", root, null).json().get("data")
                .get("type").asText());
    }

    @Test
    void healthAndSealStatusReportTheVaultApiLevelWithCustosAsBuildMetadata() {
        JsonNode health = call("GET", "sys/health", null, null).json();
        assertTrue(health.get("version").asText().matches("1\\.\\d+\\.\\d+\\+custos\\.\\d+\\.\\d+\\.\\d+"),
                health.toString());
        assertTrue(health.get("custos_version").asText().matches("\\d+\\.\\d+\\.\\d+"));
        JsonNode seal = call("GET", "sys/seal-status", null, null).json();
        assertEquals(health.get("version"), seal.get("version"));
        assertEquals(health.get("custos_version"), seal.get("custos_version"));
    }
}
