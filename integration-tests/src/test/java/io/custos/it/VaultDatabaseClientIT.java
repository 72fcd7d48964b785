package io.custos.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.custos.testing.TestPostgres;
import io.github.jopenlibs.vault.Vault;
import io.github.jopenlibs.vault.VaultConfig;
import io.github.jopenlibs.vault.response.DatabaseResponse;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An unmodified Vault SDK (jopenlibs vault-java-driver) against Custos: database credentials,
 * lease renewal and revocation. The SDK insists on Vault's server default (revocation is
 * synchronous, 204), which {@code custos.leases.revoke-sync-by-default=true} gives.
 */
class VaultDatabaseClientIT {
    @TempDir
    Path dir;

    @Test
    void vaultJavaDriverIssuesRenewsAndRevokesDatabaseCredentials() throws Exception {
        TestPostgres.Database storage = TestPostgres.shared().createDatabase();
        TestPostgres.Database target = TestPostgres.shared().createDatabase();
        int port = BrokerProcess.freePort();
        ApiClient api = new ApiClient(HttpClient.newHttpClient(), "http://127.0.0.1:" + port);
        Map<String, String> env = DatabaseTarget.env(storage, dir.resolve("dev"),
                Map.of("CUSTOS_LEASES_REVOKE_SYNC_BY_DEFAULT", "true"));
        try (BrokerProcess b = DatabaseTarget.start(port, env, dir)) {
            DatabaseTarget.configure(api, target, "sdk", "{\"db_name\":\"app\",\"creation_statements\":\"CREATE ROLE "
                    + "\\\"{{name}}\\\" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}'\","
                    + "\"default_ttl\":\"10m\",\"max_ttl\":\"1h\"}");
            Vault vault = Vault.create(new VaultConfig().address("http://127.0.0.1:" + port)
                    .token(DatabaseTarget.ROOT).engineVersion(1).build());
            DatabaseResponse creds = vault.database().creds("sdk");
            String user = creds.getCredential().getUsername();
            assertTrue(creds.getLeaseId().startsWith("database/creds/sdk/"));
            assertEquals(600L, creds.getLeaseDuration(), 2);
            try (Connection c = DriverManager.getConnection(target.jdbcUrl(), user, creds.getCredential().getPassword())) {
                assertTrue(c.isValid(2));
            }
            assertEquals(200, vault.leases().renew(creds.getLeaseId(), 1800).getRestResponse().getStatus());
            assertEquals(204, vault.leases().revoke(creds.getLeaseId()).getRestResponse().getStatus());
            assertTrue(DatabaseTarget.roles(target, user).isEmpty(), "revoked synchronously: the user is gone");
        }
    }
}
