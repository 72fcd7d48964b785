package io.custos.engine.database;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.custos.engine.sdk.EngineException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Connection URLs, statement lists and username templates as Vault's PostgreSQL plugin reads them. */
class ParsingTest {
    private final Clock clock = Clock.fixed(Instant.parse("2026-11-22T10:00:00Z"), ZoneOffset.UTC);

    @Test
    void libpqUrls() {
        ConnectionUrl u = ConnectionUrl.parse("postgresql://{{username}}:{{password}}@db.example:6432/app?sslmode=disable"
                + "&application_name=custos");
        assertEquals("jdbc:postgresql://db.example:6432/app", u.jdbcUrl());
        assertEquals("disable", u.parameters().get("sslmode"));
        assertEquals("custos", u.parameters().get("ApplicationName"));
        assertNull(u.literalUser());
        ConnectionUrl literal = ConnectionUrl.parse("postgres://admin:p%40ss@h/db");
        assertEquals("admin", literal.literalUser());
        assertEquals("p@ss", literal.literalPassword());
        assertEquals("jdbc:postgresql://h/other", literal.jdbcUrl("other"));
    }

    @Test
    void keyValueDsns() {
        ConnectionUrl u = ConnectionUrl.parse("host=10.0.0.5 port=5433 dbname='my db' user={{username}} "
                + "password={{password}} sslmode=require");
        assertEquals("10.0.0.5:5433", u.hosts());
        assertEquals("my db", u.database());
        assertEquals("require", u.parameters().get("sslmode"));
        assertThrows(EngineException.class, () -> ConnectionUrl.parse("host=x dbname='unterminated"));
        assertThrows(EngineException.class, () -> ConnectionUrl.parse("mysql://x"));
    }

    @Test
    void jdbcUrls() {
        ConnectionUrl u = ConnectionUrl.parse("jdbc:postgresql://h:5432/db?sslmode=disable");
        assertEquals("jdbc:postgresql://h:5432/db", u.jdbcUrl());
        assertEquals("disable", u.parameters().get("sslmode"));
    }

    @Test
    void statementsSplitOutsideQuotesAndDollarBodies() {
        List<String> s = Statements.split("CREATE ROLE \"a;b\" PASSWORD 'x;y'; DO $$ BEGIN PERFORM 1; END $$;"
                + " -- trailing; comment\n GRANT r TO \"a;b\";;");
        assertEquals(3, s.size(), s::toString);
        assertEquals("CREATE ROLE \"a;b\" PASSWORD 'x;y'", s.get(0));
        assertTrue(s.get(1).startsWith("DO $$ BEGIN PERFORM 1; END $$"));
        String b64 = Base64.getEncoder().encodeToString("SELECT 1; SELECT 2".getBytes(StandardCharsets.UTF_8));
        assertEquals(List.of("SELECT 1", "SELECT 2"), Statements.parse(List.of(b64)));
        assertEquals("ALTER ROLE \"u\" VALID UNTIL '2026-11-22 10:00:00+0000'",
                Statements.render("ALTER ROLE \"{{name}}\" VALID UNTIL '{{expiration}}'", "u", null, clock.instant()));
    }

    @Test
    void usernameTemplates() {
        String v = UsernameTemplate.parse("", clock).render("token-abcdefghij", "readonly-role");
        assertTrue(v.matches("v-token-ab-readonly-[A-Za-z0-9]{20}-1795341600"), v);
        assertEquals("app-READONLY", UsernameTemplate.parse("app-{{.RoleName | uppercase}}", clock).render("x", "readonly"));
        assertEquals("x_y", UsernameTemplate.parse("{{ replace \"-\" \"_\" .DisplayName }}", clock).render("x-y", "r"));
        assertEquals("2026-11-22", UsernameTemplate.parse("{{ timestamp \"2006-01-02\" }}", clock).render("x", "r"));
        assertEquals("abc", UsernameTemplate.parse("{{ .RoleName | truncate 3 }}", clock).render("x", "abcdef"));
        assertEquals(24, UsernameTemplate.parse("{{ .RoleName | truncate_sha256 24 }}", clock)
                .render("x", "a-very-long-role-name-indeed-yes").length());
        assertThrows(EngineException.class, () -> UsernameTemplate.parse("{{ nope }}", clock));
        assertThrows(EngineException.class, () -> UsernameTemplate.parse("{{ .Missing }}", clock));
        assertThrows(EngineException.class, () -> UsernameTemplate.parse("{{ truncate }}", clock));
        assertThrows(EngineException.class, () -> UsernameTemplate.parse("{{ .RoleName ", clock));
    }

    @Test
    void scramVerifiersAreWhatPostgresqlDerivesWithSaslprep() {
        byte[] salt = Base64.getDecoder().decode("QSXCR+Q6sek8bf92");
        // the value the hand-written RFC 5802 encoder produced before (unchanged for ASCII passwords)
        assertEquals("SCRAM-SHA-256$4096:QSXCR+Q6sek8bf92$FO+9jBb3MUukt6jJnzjPZOWc5ow/Pu6JtPyju0aqaE8="
                + ":qxJ1SbmSAi5EcS0J5Ck/cKAm/+Ixa+Kwp63f4OHDgzo=", Scram.verifier("pencil", salt, 4096));
        // SASLprep (RFC 4013): a soft hyphen maps to nothing, ROMAN NUMERAL NINE to "IX" (NFKC)
        assertEquals(Scram.verifier("pencil", salt, 4096), Scram.verifier("pen\u00ADcil", salt, 4096));
        assertEquals(Scram.verifier("IIX", salt, 4096), Scram.verifier("I\u2168", salt, 4096));
        assertTrue(Scram.verifier("pencil").matches("SCRAM-SHA-256\\$4096:[A-Za-z0-9+/=]{24}\\$[A-Za-z0-9+/=]{44}:"
                + "[A-Za-z0-9+/=]{44}"), "a fresh 16-byte salt");
    }
}
