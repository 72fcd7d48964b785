package io.custos.broker.lease;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.custos.broker.http.BrokerHttpTest;
import io.custos.testing.TestPostgres;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Dynamic PostgreSQL credentials end to end over HTTP against a real PostgreSQL with SCRAM
 * password auth: issued users log in and can do what the role grants; expiry, revocation and
 * token revocation drop them (sessions killed, owned objects handled); renewal moves VALID UNTIL.
 */
@MicronautTest(transactional = false)
class DatabaseCredentialsTest extends BrokerHttpTest {
    private String root;
    private TestPostgres.Database target;

    @Override
    protected Map<String, String> extraProperties() {
        return Map.of("custos.leases.poll-interval", "200ms", "custos.leases.max-attempts", "2",
                "custos.leases.retry-base", "100ms");
    }

    @BeforeAll
    void setUp() throws SQLException {
        root = initAndUnseal();
        target = TestPostgres.shared().createDatabase();
        try (Connection c = target.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE items (id int PRIMARY KEY, name text)");
            s.execute("INSERT INTO items VALUES (1, 'one')");
            s.execute("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'custos_readers') THEN "
                    + "CREATE ROLE custos_readers NOLOGIN; END IF; END $$");
            s.execute("GRANT SELECT ON items TO custos_readers");
            s.execute("GRANT CONNECT ON DATABASE " + target.name() + " TO custos_readers");
            s.execute("GRANT CREATE ON SCHEMA public TO custos_readers");
        }
        ok(call("POST", "sys/mounts/database", root, "{\"type\":\"database\"}"));
        ok(call("POST", "database/config/app", root, "{\"plugin_name\":\"postgresql-database-plugin\","
                + "\"connection_url\":\"postgresql://{{username}}:{{password}}@" + target.host() + ":" + target.port()
                + "/" + target.name() + "?sslmode=disable\",\"username\":\"" + target.user() + "\",\"password\":\""
                + target.password() + "\",\"allowed_roles\":\"*\"}"));
        role("readonly", "{\"db_name\":\"app\",\"creation_statements\":[\"CREATE ROLE \\\"{{name}}\\\" WITH LOGIN "
                + "PASSWORD '{{password}}' VALID UNTIL '{{expiration}}' IN ROLE custos_readers;\"],"
                + "\"default_ttl\":\"1h\",\"max_ttl\":\"2h\"}");
    }

    private void role(String name, String json) {
        ok(call("POST", "database/roles/" + name, root, json));
    }

    private static Reply ok(Reply r) {
        assertTrue(r.status() < 300, () -> "HTTP " + r.status() + ": " + r.json());
        return r;
    }

    private Connection login(JsonNode creds) throws SQLException {
        return DriverManager.getConnection(target.jdbcUrl(), creds.get("data").get("username").asText(),
                creds.get("data").get("password").asText());
    }

    private boolean roleExists(String name) throws SQLException {
        try (Connection c = target.connect(); var s = c.prepareStatement("SELECT 1 FROM pg_roles WHERE rolname = ?")) {
            s.setString(1, name);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next();
            }
        }
    }

    private Instant validUntil(String name) throws SQLException {
        try (Connection c = target.connect();
                var s = c.prepareStatement("SELECT rolvaliduntil FROM pg_roles WHERE rolname = ?")) {
            s.setString(1, name);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getTimestamp(1).toInstant();
            }
        }
    }

    private void awaitGone(String name) throws Exception {
        for (int i = 0; i < 150 && roleExists(name); i++) {
            Thread.sleep(100);
        }
        assertFalse(roleExists(name), name + " still exists");
    }

    @Test
    void issuedCredentialsLogInWithExactlyTheGrantedRights() throws Exception {
        Reply r = ok(call("GET", "database/creds/readonly", root, null));
        JsonNode j = r.json();
        assertTrue(j.get("lease_id").asText().startsWith("database/creds/readonly/"));
        assertEquals(3600, j.get("lease_duration").asLong(), 2);
        assertTrue(j.get("renewable").asBoolean());
        String user = j.get("data").get("username").asText();
        assertTrue(user.startsWith("v-root-readonly-"), user);
        Instant expiry = validUntil(user);
        assertTrue(Math.abs(expiry.getEpochSecond() - (Instant.now().getEpochSecond() + 3600)) < 5, expiry::toString);
        try (Connection c = login(j); Statement s = c.createStatement()) {
            ResultSet rs = s.executeQuery("SELECT name FROM items WHERE id = 1");
            rs.next();
            assertEquals("one", rs.getString(1));
            SQLException e = assertThrows(SQLException.class, () -> s.execute("INSERT INTO items VALUES (2, 'x')"));
            assertEquals("42501", e.getSQLState());
        }
        Reply lookup = ok(call("PUT", "sys/leases/lookup", root, "{\"lease_id\":\"" + j.get("lease_id").asText() + "\"}"));
        assertEquals(j.get("lease_id").asText(), lookup.json().get("data").get("id").asText());
        assertTrue(lookup.json().get("data").get("renewable").asBoolean());
        Reply list = ok(call("LIST", "sys/leases/lookup/database/creds/readonly/", root, null));
        assertTrue(list.json().get("data").get("keys").toString().contains(
                j.get("lease_id").asText().substring("database/creds/readonly/".length())));
    }

    @Test
    void expiryDropsTheUserAndLoginFails() throws Exception {
        role("short", "{\"db_name\":\"app\",\"creation_statements\":\"CREATE ROLE \\\"{{name}}\\\" WITH LOGIN "
                + "PASSWORD '{{password}}' VALID UNTIL '{{expiration}}' IN ROLE custos_readers\",\"default_ttl\":\"2s\"}");
        JsonNode j = ok(call("GET", "database/creds/short", root, null)).json();
        String user = j.get("data").get("username").asText();
        assertEquals(2, j.get("lease_duration").asLong(), 1);
        try (Connection c = login(j)) {
            assertTrue(c.isValid(2));
        }
        awaitGone(user);
        SQLException e = assertThrows(SQLException.class, () -> login(j).close());
        assertEquals("28P01", e.getSQLState());
        assertEquals(400, call("PUT", "sys/leases/lookup", root, "{\"lease_id\":\"" + j.get("lease_id").asText()
                + "\"}").status());
    }

    @Test
    void revocationTerminatesOpenSessions() throws Exception {
        JsonNode j = ok(call("GET", "database/creds/readonly", root, null)).json();
        String user = j.get("data").get("username").asText();
        try (Connection session = login(j); Statement s = session.createStatement()) {
            s.executeQuery("SELECT 1").close();
            assertEquals(204, call("PUT", "sys/leases/revoke", root, "{\"lease_id\":\"" + j.get("lease_id").asText()
                    + "\",\"sync\":true}").status());
            assertFalse(roleExists(user));
            assertThrows(SQLException.class, () -> s.executeQuery("SELECT 1").close());
        }
    }

    @Test
    void revokingAUserThatOwnsATableAndASequenceSucceeds() throws Exception {
        JsonNode j = ok(call("GET", "database/creds/readonly", root, null)).json();
        String user = j.get("data").get("username").asText();
        String table = "owned_" + Long.toHexString(System.nanoTime());
        try (Connection c = login(j); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE " + table + " (id serial PRIMARY KEY, v text)");
            s.execute("CREATE SEQUENCE " + table + "_seq");
            s.execute("INSERT INTO " + table + " (v) VALUES ('kept')");
        }
        assertEquals(202, call("PUT", "sys/leases/revoke/" + j.get("lease_id").asText(), root, "{\"sync\":false}")
                .status());
        awaitGone(user);
        try (Connection c = target.connect(); Statement s = c.createStatement()) {
            ResultSet rs = s.executeQuery("SELECT tableowner FROM pg_tables WHERE tablename = '" + table + "'");
            assertTrue(rs.next(), "the table was reassigned, not lost");
            assertEquals(target.user(), rs.getString(1));
        }
    }

    @Test
    void renewalMovesValidUntilAndIsCappedAtMaxTtl() throws Exception {
        role("renewable", "{\"db_name\":\"app\",\"creation_statements\":\"CREATE ROLE \\\"{{name}}\\\" WITH LOGIN "
                + "PASSWORD '{{password}}' VALID UNTIL '{{expiration}}'\",\"default_ttl\":\"60s\",\"max_ttl\":\"300s\"}");
        JsonNode j = ok(call("GET", "database/creds/renewable", root, null)).json();
        String user = j.get("data").get("username").asText();
        String id = j.get("lease_id").asText();
        Instant before = validUntil(user);
        Reply renewed = ok(call("PUT", "sys/leases/renew", root, "{\"lease_id\":\"" + id + "\",\"increment\":\"200s\"}"));
        assertEquals(id, renewed.json().get("lease_id").asText());
        assertEquals(200, renewed.json().get("lease_duration").asLong(), 2);
        Instant after = validUntil(user);
        assertEquals(140, after.getEpochSecond() - before.getEpochSecond(), 3);
        Reply capped = ok(call("PUT", "sys/leases/renew", root, "{\"lease_id\":\"" + id + "\",\"increment\":\"1h\"}"));
        assertEquals(300, capped.json().get("lease_duration").asLong(), 3);
        assertTrue(capped.json().get("warnings").get(0).asText().contains("exceeded the effective max_ttl"));
        assertEquals(before.getEpochSecond() + 240, validUntil(user).getEpochSecond(), 3);
    }

    @Test
    void revokingATokenRevokesItsLeases() throws Exception {
        ok(call("POST", "sys/policies/acl/db", root, "{\"policy\":\"path \\\"database/creds/*\\\" { capabilities = "
                + "[\\\"read\\\"] }\"}"));
        String token = ok(call("POST", "auth/token/create", root, "{\"policies\":[\"db\"]}")).json().get("auth")
                .get("client_token").asText();
        JsonNode j = ok(call("GET", "database/creds/readonly", token, null)).json();
        String user = j.get("data").get("username").asText();
        assertTrue(user.startsWith("v-token-readonly-"), user);
        assertTrue(roleExists(user));
        assertEquals(204, call("POST", "auth/token/revoke-self", token, "{}").status());
        awaitGone(user);
    }

    @Test
    void leaseTtlNeverOutlivesTheToken() {
        String token = ok(call("POST", "auth/token/create", root, "{\"ttl\":\"30s\"}")).json().get("auth")
                .get("client_token").asText();
        JsonNode j = ok(call("GET", "database/creds/readonly", token, null)).json();
        assertTrue(j.get("lease_duration").asLong() <= 30, j.toString());
    }

    @Test
    void perUserGrantsAreSerialisedSoConcurrentIssuanceNeverFails() throws Exception {
        role("granting", "{\"db_name\":\"app\",\"creation_statements\":\"CREATE ROLE \\\"{{name}}\\\" WITH LOGIN "
                + "PASSWORD '{{password}}' VALID UNTIL '{{expiration}}'; GRANT SELECT ON ALL TABLES IN SCHEMA public "
                + "TO \\\"{{name}}\\\";\"}");
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Reply>> replies = new ArrayList<>();
            for (int i = 0; i < 24; i++) {
                replies.add(pool.submit(() -> call("GET", "database/creds/granting", root, null)));
            }
            for (Future<Reply> f : replies) {
                ok(f.get());
            }
        } finally {
            pool.shutdown();
        }
        assertEquals(24, call("LIST", "sys/leases/lookup/database/creds/granting/", root, null).json().get("data")
                .get("keys").size());
        assertEquals(204, call("PUT", "sys/leases/revoke-prefix/database/creds/granting", root, "{\"sync\":true}")
                .status());
        assertEquals(404, call("LIST", "sys/leases/lookup/database/creds/granting/", root, null).status());
    }

    @Test
    void failingRevocationsBecomeIrrevocableAndCanBeForced() throws Exception {
        role("stuck", "{\"db_name\":\"app\",\"creation_statements\":\"CREATE ROLE \\\"{{name}}\\\" WITH LOGIN "
                + "PASSWORD '{{password}}' VALID UNTIL '{{expiration}}'\",\"revocation_statements\":\"SELECT 1/0\","
                + "\"default_ttl\":\"1s\"}");
        JsonNode j = ok(call("GET", "database/creds/stuck", root, null)).json();
        String id = j.get("lease_id").asText();
        JsonNode counts = null;
        for (int i = 0; i < 100; i++) {
            counts = ok(call("GET", "sys/leases/count?type=irrevocable", root, null)).json().get("data");
            if (counts.get("lease_count").asLong() > 0) {
                break;
            }
            Thread.sleep(100);
        }
        assertEquals(1, counts.get("lease_count").asLong());
        JsonNode listed = ok(call("GET", "sys/leases?type=irrevocable", root, null)).json().get("data");
        assertEquals(id, listed.get("leases").get(0).get("lease_id").asText());
        assertTrue(listed.get("leases").get(0).get("error").asText().contains("division by zero"));
        assertEquals(400, call("PUT", "sys/leases/revoke", root, "{\"lease_id\":\"" + id + "\",\"sync\":true}").status());
        assertEquals(204, call("PUT", "sys/leases/revoke-force/database/creds/stuck", root, "{}").status());
        assertEquals(0, ok(call("GET", "sys/leases/count?type=irrevocable", root, null)).json().get("data")
                .get("lease_count").asLong());
        try (Connection c = target.connect(); Statement s = c.createStatement()) {
            s.execute("DROP ROLE IF EXISTS \"" + j.get("data").get("username").asText() + "\"");
        }
    }

    @Test
    void scramAuthenticationSendsAVerifierNotThePassword() throws Exception {
        ok(call("POST", "database/config/scram", root, "{\"plugin_name\":\"postgresql-database-plugin\","
                + "\"connection_url\":\"host=" + target.host() + " port=" + target.port() + " dbname=" + target.name()
                + " user={{username}} password={{password}} sslmode=disable\",\"username\":\"" + target.user()
                + "\",\"password\":\"" + target.password() + "\",\"allowed_roles\":[\"scram\"],"
                + "\"password_authentication\":\"scram-sha-256\"}"));
        role("scram", "{\"db_name\":\"scram\",\"creation_statements\":\"CREATE ROLE \\\"{{name}}\\\" WITH LOGIN "
                + "PASSWORD '{{password}}' VALID UNTIL '{{expiration}}' IN ROLE custos_readers\"}");
        JsonNode j = ok(call("GET", "database/creds/scram", root, null)).json();
        try (Connection c = login(j)) {
            assertTrue(c.isValid(2));
        }
        assertEquals(400, call("GET", "database/creds/readonly-not-allowed", root, null).status());
        ok(call("POST", "database/roles/other", root, "{\"db_name\":\"scram\",\"creation_statements\":\"SELECT 1\"}"));
        Reply refused = call("GET", "database/creds/other", root, null);
        assertEquals(400, refused.status());
        assertTrue(refused.error().contains("not an allowed role"), refused.error());
    }

    @Test
    void configPasswordIsNeverReturnedAndBadConfigsAreClear400s() {
        Reply read = ok(call("GET", "database/config/app", root, null));
        assertFalse(read.json().toString().contains(target.password()));
        Reply bad = call("POST", "database/config/bad", root, "{\"plugin_name\":\"postgresql-database-plugin\","
                + "\"connection_url\":\"postgresql://{{username}}:{{password}}@" + target.host() + ":" + target.port()
                + "/" + target.name() + "\",\"username\":\"" + target.user() + "\",\"password\":\"wrong-password\"}");
        assertEquals(400, bad.status());
        assertTrue(bad.error().contains("password authentication failed"), bad.error());
        assertFalse(bad.error().contains("wrong-password"));
        assertEquals(400, call("POST", "database/config/x", root, "{\"plugin_name\":\"mysql-database-plugin\","
                + "\"connection_url\":\"postgresql://h/db\"}").status());
        assertEquals(400, call("POST", "database/config/x", root, "{\"plugin_name\":\"postgresql-database-plugin\","
                + "\"connection_url\":\"nonsense\",\"verify_connection\":false}").status());
        assertEquals(400, call("POST", "database/roles/x", root, "{\"db_name\":\"app\"}").status());
        assertEquals(400, call("GET", "database/creds/nope", root, null).status());
        assertEquals(400, call("POST", "database/config/x", root, "{\"plugin_name\":\"postgresql-database-plugin\","
                + "\"connection_url\":\"postgresql://h/db\",\"verify_connection\":false,"
                + "\"username_template\":\"{{ nofunc }}\"}").status());
    }

    @Test
    void passwordPoliciesShapeGeneratedPasswords() throws Exception {
        ok(call("PUT", "sys/policies/password/digits", root, "{\"policy\":\"length = 24\\nrule \\\"charset\\\" {\\n"
                + "  charset = \\\"0123456789\\\"\\n  min-chars = 1\\n}\\nrule \\\"charset\\\" {\\n  charset = "
                + "\\\"abc\\\"\\n  min-chars = 3\\n}\\n\"}"));
        String generated = ok(call("GET", "sys/policies/password/digits/generate", root, null)).json().get("data")
                .get("password").asText();
        assertTrue(generated.matches("[0-9abc]{24}") && generated.replaceAll("[^abc]", "").length() >= 3, generated);
        assertEquals(400, call("PUT", "sys/policies/password/bad", root, "{\"policy\":\"length = 2\\nrule "
                + "\\\"charset\\\" { charset = \\\"a\\\" }\"}").status());
        ok(call("POST", "database/config/app", root, "{\"password_policy\":\"digits\",\"username_template\":"
                + "\"{{ printf \\\"app_%s_%s\\\" (.RoleName | uppercase) (random 6) | lowercase }}\"}"));
        JsonNode j = ok(call("GET", "database/creds/readonly", root, null)).json();
        assertTrue(j.get("data").get("password").asText().matches("[0-9abc]{24}"));
        assertTrue(j.get("data").get("username").asText().matches("app_readonly_[a-z0-9]{6}"),
                j.get("data").get("username").asText());
        try (Connection c = login(j)) {
            assertTrue(c.isValid(2));
        }
        ok(call("POST", "database/config/app", root, "{\"password_policy\":\"\",\"username_template\":\"\"}"));
        assertNotEquals(404, call("GET", "sys/policies/password/digits", root, null).status());
    }

    @Test
    void badLeaseRequestsAreClear400sAndPrefixOperationsNeedSudo() {
        Reply missing = call("PUT", "sys/leases/renew", root, "{}");
        assertEquals(400, missing.status());
        assertEquals("lease_id must be specified", missing.error());
        assertEquals(400, call("PUT", "sys/leases/renew", root, "{\"lease_id\":\"database/creds/readonly/nope\"}")
                .status());
        assertEquals(400, call("PUT", "sys/leases/renew", root, "{\"lease_id\":\"x\",\"increment\":\"soon\"}")
                .status());
        assertEquals("invalid lease", call("PUT", "sys/leases/lookup", root, "{\"lease_id\":\"nope\"}").error());
        assertEquals(400, call("GET", "sys/leases", root, null).status());
        assertEquals(400, call("PUT", "sys/leases/revoke", root, "{\"lease_id\":[1,2]}").status());

        ok(call("POST", "sys/policies/acl/lease-admin", root, "{\"policy\":\"path \\\"sys/leases/*\\\" { "
                + "capabilities = [\\\"update\\\", \\\"list\\\"] }\"}"));
        String admin = ok(call("POST", "auth/token/create", root, "{\"policies\":[\"lease-admin\"]}")).json()
                .get("auth").get("client_token").asText();
        assertEquals(403, call("PUT", "sys/leases/revoke-prefix/database/", admin, "{}").status());
        assertEquals(403, call("PUT", "sys/leases/revoke-force/database/", admin, "{}").status());
        assertEquals(403, call("LIST", "sys/leases/lookup/database/", admin, null).status());
    }

    @Test
    void theDefaultPolicyRenewsAndLooksUpALeaseByItsId() {
        String holder = ok(call("POST", "auth/token/create", root, "{\"policies\":[\"default\"]}")).json()
                .get("auth").get("client_token").asText();
        String id = ok(call("GET", "database/creds/readonly", root, null)).json().get("lease_id").asText();
        ok(call("PUT", "sys/leases/renew", holder, "{\"lease_id\":\"" + id + "\",\"increment\":\"30m\"}"));
        ok(call("PUT", "sys/leases/lookup", holder, "{\"lease_id\":\"" + id + "\"}"));
        assertEquals(403, call("PUT", "sys/leases/revoke", holder, "{\"lease_id\":\"" + id + "\"}").status());
        assertEquals(204, call("PUT", "sys/leases/revoke", root, "{\"lease_id\":\"" + id + "\",\"sync\":true}")
                .status());
    }

    @Test
    void unmountingRevokesTheMountsLeases() throws Exception {
        ok(call("POST", "sys/mounts/db2", root, "{\"type\":\"database\"}"));
        ok(call("POST", "db2/config/app", root, "{\"plugin_name\":\"postgresql-database-plugin\","
                + "\"connection_url\":\"" + target.jdbcUrl() + "\",\"username\":\"" + target.user()
                + "\",\"password\":\"" + target.password() + "\",\"allowed_roles\":\"*\"}"));
        ok(call("POST", "db2/roles/r", root, "{\"db_name\":\"app\",\"creation_statements\":\"CREATE ROLE "
                + "\\\"{{name}}\\\" LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}'\"}"));
        String user = ok(call("GET", "db2/creds/r", root, null)).json().get("data").get("username").asText();
        assertTrue(roleExists(user));
        assertEquals(204, call("DELETE", "sys/mounts/db2", root, null).status());
        assertFalse(roleExists(user));
        assertEquals(404, call("LIST", "sys/leases/lookup/db2/creds/r/", root, null).status());
    }

    @Test
    void keyRotationRewrapsLeaseData() throws Exception {
        ok(call("GET", "database/creds/readonly", root, null));
        ok(call("PUT", "sys/rotate", root, null));
        int term = ok(call("GET", "sys/key-status", root, null)).json().get("data").get("term").asInt();
        long below = -1;
        for (int i = 0; i < 100 && below != 0; i++) {
            Thread.sleep(100);
            try (Connection c = db.connect(); Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT count(*) FROM custos_leases WHERE key_term < " + term)) {
                rs.next();
                below = rs.getLong(1);
            }
        }
        assertEquals(0, below, "lease data still wrapped under an older keyring term");
        String id = ok(call("GET", "database/creds/readonly", root, null)).json().get("lease_id").asText();
        assertEquals(204, call("PUT", "sys/leases/revoke", root, "{\"lease_id\":\"" + id + "\",\"sync\":true}")
                .status());
    }

    @Test
    void ownedObjectsAreHandledInEveryListedDatabase() throws Exception {
        TestPostgres.Database other = TestPostgres.shared().createDatabase();
        try (Connection c = other.connect(); Statement s = c.createStatement()) {
            s.execute("GRANT CONNECT ON DATABASE " + other.name() + " TO custos_readers");
            s.execute("GRANT CREATE ON SCHEMA public TO custos_readers");
        }
        ok(call("POST", "sys/mounts/db3", root, "{\"type\":\"database\"}"));
        ok(call("POST", "db3/config/app", root, "{\"plugin_name\":\"postgresql-database-plugin\","
                + "\"connection_url\":\"" + target.jdbcUrl() + "\",\"username\":\"" + target.user()
                + "\",\"password\":\"" + target.password() + "\",\"allowed_roles\":\"*\","
                + "\"revocation_databases\":[\"" + target.name() + "\",\"" + other.name() + "\"]}"));
        ok(call("POST", "db3/roles/r", root, "{\"db_name\":\"app\",\"creation_statements\":\"CREATE ROLE "
                + "\\\"{{name}}\\\" LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}' IN ROLE custos_readers\"}"));
        JsonNode j = ok(call("GET", "db3/creds/r", root, null)).json();
        String user = j.get("data").get("username").asText();
        try (Connection c = DriverManager.getConnection(other.jdbcUrl(), user, j.get("data").get("password").asText());
                Statement s = c.createStatement()) {
            s.execute("CREATE TABLE elsewhere (id int)");
        }
        assertEquals(204, call("PUT", "sys/leases/revoke-prefix/db3/", root, "{\"sync\":true}").status());
        assertFalse(roleExists(user));
        try (Connection c = other.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT tableowner FROM pg_tables WHERE tablename = 'elsewhere'")) {
            assertTrue(rs.next());
            assertEquals(other.user(), rs.getString(1));
        }
    }

    @Test
    void aConnectionUserThatCannotRevokeIsNamedInWarnings() throws Exception {
        String user = "limited_" + Long.toHexString(System.nanoTime());
        try (Connection c = target.connect(); Statement st = c.createStatement()) {
            st.execute("CREATE ROLE " + user + " LOGIN PASSWORD 'limited-pw-1'");
        }
        Reply r = ok(call("POST", "database/config/limited", root, "{\"plugin_name\":\"postgresql-database-plugin\","
                + "\"connection_url\":\"postgresql://{{username}}:{{password}}@" + target.host() + ":" + target.port()
                + "/" + target.name() + "?sslmode=disable\",\"username\":\"" + user + "\",\"password\":\"limited-pw-1\","
                + "\"allowed_roles\":\"*\"}"));
        assertEquals(200, r.status());
        String warnings = r.json().get("warnings").toString();
        assertTrue(warnings.contains("CREATEROLE") && warnings.contains("pg_signal_backend"), warnings);
        // the superuser connection of the other tests gets none
        Reply clean = ok(call("POST", "database/config/app", root, "{\"allowed_roles\":\"*\"}"));
        assertEquals(204, clean.status());
    }
}
