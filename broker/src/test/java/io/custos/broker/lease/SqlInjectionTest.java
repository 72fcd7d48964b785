package io.custos.broker.lease;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.custos.broker.http.BrokerHttpTest;
import io.custos.engine.sdk.Json;
import io.custos.testing.TestPostgres;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The review's SQL injection through a token's display name, and the defences behind it: display
 * names are cleaned as Vault cleans them, a generated user name outside the safe set is refused
 * before any statement runs, values are escaped for their quoting context, and errors from the
 * target never echo statement text.
 */
@MicronautTest(transactional = false)
class SqlInjectionTest extends BrokerHttpTest {
    private static final String VAULT_CREATION = "CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}' "
            + "VALID UNTIL '{{expiration}}';";
    private String root;
    private TestPostgres.Database target;

    @BeforeAll
    void setUp() throws Exception {
        root = initAndUnseal();
        target = TestPostgres.shared().createDatabase();
        ok(call("POST", "sys/mounts/database", root, "{\"type\":\"database\"}"));
        config("{{ .DisplayName }}", "");
        ok(call("POST", "database/roles/app", root, json(Map.of("db_name", "app", "creation_statements",
                List.of(VAULT_CREATION), "default_ttl", "1h"))));
    }

    private void config(String usernameTemplate, String passwordPolicy) throws Exception {
        ok(call("POST", "database/config/app", root, json(Map.of("plugin_name", "postgresql-database-plugin",
                "connection_url", "postgresql://{{username}}:{{password}}@" + target.host() + ":" + target.port() + "/"
                        + target.name() + "?sslmode=disable",
                "username", target.user(), "password", target.password(), "allowed_roles", "*",
                "username_template", usernameTemplate, "password_policy", passwordPolicy))));
    }

    @Test
    void aDisplayNameCannotMakeASuperuserOrAnUntrackedRole() throws Exception {
        ok(call("PUT", "sys/policies/acl/creator", root, json(Map.of("policy",
                "path \"auth/token/create\" { capabilities = [\"update\"] }\n"
                        + "path \"database/creds/*\" { capabilities = [\"read\"] }"))));
        String limited = ok(call("POST", "auth/token/create", root, "{\"policies\":[\"creator\"]}")).json()
                .get("auth").get("client_token").asText();
        Reply child = ok(call("POST", "auth/token/create", limited, json(Map.of("policies", List.of("creator"),
                "display_name", "a\" SUPERUSER LOGIN PASSWORD 'pwned' --"))));
        String childToken = child.json().get("auth").get("client_token").asText();
        String display = ok(call("GET", "auth/token/lookup-self", childToken, null)).json().get("data")
                .get("display_name").asText();
        assertTrue(display.matches("[A-Za-z0-9-]+"), display);

        Set<String> superusersBefore = roles("rolsuper");
        JsonNode creds = ok(call("GET", "database/creds/app", childToken, null)).json();
        String username = creds.get("data").get("username").asText();
        assertEquals(display, username);
        assertEquals(superusersBefore, roles("rolsuper"), "no new superuser");
        assertFalse(roles("rolname LIKE 'token-a%'").stream().anyMatch(r -> !r.equals(username)),
                "every role the issuance created is the leased one");
        try (Connection c = DriverManager.getConnection(target.jdbcUrl(), "token-a", "pwned")) {
            throw new AssertionError("the injected login exists");
        } catch (SQLException expected) {
            // no such role / wrong password: what the attacker wanted does not exist
        }
        ok(call("PUT", "sys/leases/revoke", root, json(Map.of("lease_id", creds.get("lease_id").asText(),
                "sync", true))));
        assertTrue(roles("rolname LIKE 'token-a%'").isEmpty(), "revocation dropped the only role made");
    }

    @Test
    void aGeneratedNameOutsideTheSafeSetIsRefusedBeforeAnyStatementRuns() throws Exception {
        // an operator's template that lets a quote through: refused at issuance, nothing created
        config("{{ printf \"q\\\"%s\" .RoleName }}", "");
        try {
            long leasesBefore = leases();
            Reply r = call("GET", "database/creds/app", root, null);
            assertEquals(400, r.status(), String.valueOf(r.json()));
            assertTrue(r.error().contains("[A-Za-z0-9_.-]"), r.error());
            assertTrue(roles("rolname LIKE 'q%'").isEmpty());
            assertEquals(leasesBefore, leases(), "refused before a lease was even recorded");
        } finally {
            config("{{ .DisplayName }}", "");
        }
    }

    @Test
    void passwordsWithQuotesAndBackslashesLogInExactly() throws Exception {
        ok(call("PUT", "sys/policies/password/nasty", root, json(Map.of("policy",
                "length = 32\nrule \"charset\" {\n  charset = \"'\\\\\\\"$;-ab\"\n  min-chars = 12\n}\n"
                        + "rule \"charset\" {\n  charset = \"'\"\n  min-chars = 2\n}\n"
                        + "rule \"charset\" {\n  charset = \"\\\\\"\n  min-chars = 2\n}\n"))));
        config("{{ printf \"v-%s-%s\" (.RoleName | truncate 8) (random 12) }}", "nasty");
        try {
            for (int i = 0; i < 5; i++) {
                JsonNode creds = ok(call("GET", "database/creds/app", root, null)).json();
                String password = creds.get("data").get("password").asText();
                assertTrue(password.contains("'") && password.contains("\\"), password);
                try (Connection c = DriverManager.getConnection(target.jdbcUrl(),
                        creds.get("data").get("username").asText(), password); Statement s = c.createStatement()) {
                    s.execute("SELECT 1");
                }
            }
        } finally {
            config("{{ .DisplayName }}", "");
        }
    }

    @Test
    void aFailingStatementIsNamedByIndexWithoutItsText() throws Exception {
        ok(call("POST", "database/roles/broken", root, json(Map.of("db_name", "app", "creation_statements",
                List.of(VAULT_CREATION, "GRANT SELECT ON no_such_table_" + "x TO \"{{name}}\" WITH LOGIN PASSWORD "
                        + "'{{password}}' oops")))));
        Reply r = call("GET", "database/creds/broken", root, null);
        assertEquals(400, r.status());
        String error = r.error();
        assertTrue(error.contains("role \"broken\"") && error.contains("statement 2 of 2")
                && error.contains("SQLSTATE"), error);
        assertFalse(error.contains("GRANT") || error.contains("oops") || error.contains("PASSWORD"), error);
    }

    private long leases() throws SQLException {
        try (Connection c = db.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM custos_leases")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private Set<String> roles(String where) throws SQLException {
        Set<String> out = new TreeSet<>();
        try (Connection c = target.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT rolname FROM pg_roles WHERE " + where)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    private static String json(Object o) throws Exception {
        return Json.MAPPER.writeValueAsString(o);
    }

    private static Reply ok(Reply r) {
        assertTrue(r.status() < 300, () -> "HTTP " + r.status() + ": " + r.json());
        return r;
    }
}
