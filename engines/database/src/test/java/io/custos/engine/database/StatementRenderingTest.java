package io.custos.engine.database;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.custos.engine.sdk.EngineException;
import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Template values are escaped for the quoting context they land in, so no value can end its quotes. */
class StatementRenderingTest {
    private static final Instant EXP = Instant.parse("2026-12-01T10:00:00Z");

    @ParameterizedTest(name = "{0} with password {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "ALTER ROLE \"{{name}}\" PASSWORD '{{password}}'|a'b|ALTER ROLE \"n\" PASSWORD 'a''b'",
        "ALTER ROLE \"{{name}}\" PASSWORD '{{password}}'|a\\b|ALTER ROLE \"n\" PASSWORD 'a\\b'",
        "ALTER ROLE \"{{name}}\" PASSWORD E'{{password}}'|a\\'b|ALTER ROLE \"n\" PASSWORD E'a\\\\''b'",
        "COMMENT ON ROLE \"{{name}}\" IS '{{password}}'; -- {{password}}|x'y|COMMENT ON ROLE \"n\" IS 'x''y'; -- {{password}}",
        "SELECT \"{{password}}\"|a\"b|SELECT \"a\"\"b\"",
        "SELECT 'it''s {{password}}'|q'|SELECT 'it''s q'''",
        "DO $body$ BEGIN RAISE NOTICE '%', '{{password}}'; END $body$|p$q|DO $body$ BEGIN RAISE NOTICE '%', 'p$q'; END $body$",
    })
    void valuesAreEscapedForTheirQuotes(String statement, String password, String expected) {
        assertEquals(expected, Statements.render(statement, "n", password, EXP));
    }

    @Test
    void aDisplayNameTryingToCloseTheIdentifierStaysInside() {
        assertEquals("CREATE ROLE \"a\"\" SUPERUSER --\" LOGIN",
                Statements.render("CREATE ROLE \"{{name}}\" LOGIN", "a\" SUPERUSER --", null, EXP));
    }

    @Test
    void valuesOutsideQuotesMustBePlainWords() {
        assertEquals("DROP ROLE v-app_1.x", Statements.render("DROP ROLE {{name}}", "v-app_1.x", null, EXP));
        assertThrows(EngineException.class, () -> Statements.render("DROP ROLE {{name}}", "a;DROP", null, EXP));
        assertThrows(EngineException.class, () -> Statements.render("ALTER ROLE x PASSWORD {{password}}", "n", "a b",
                EXP));
    }

    @Test
    void aValueThatWouldCloseADollarBodyIsRefused() {
        assertThrows(EngineException.class, () -> Statements.render("DO $$ SELECT '{{password}}' $$", "n", "x$$y", EXP));
        assertThrows(EngineException.class, () -> Statements.render("DO $t$ SELECT 1 $t$; DO $t$ '{{password}}' $t$",
                "n", "$t$", EXP));
    }

    @Test
    void expirationLandsInItsLiteral() {
        assertEquals("ALTER ROLE \"n\" VALID UNTIL '2026-12-01 10:00:00+0000'",
                Statements.render("ALTER ROLE \"{{name}}\" VALID UNTIL '{{expiration}}'", "n", null, EXP));
    }

    @Test
    void redactionRemovesAShortPasswordOnlyWhereItStandsAsAValue() {
        assertEquals("password authentication failed for user \"[redacted]\" on database",
                DatabaseEngine.redact("password authentication failed for user \"b\" on database", "b"));
        assertEquals("role [redacted] exists", DatabaseEngine.redact("role s3cr3t-pw exists", "s3cr3t-pw"));
    }
}
