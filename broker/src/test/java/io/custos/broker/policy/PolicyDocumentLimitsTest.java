package io.custos.broker.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.custos.engine.sdk.EngineException;
import io.custos.engine.sdk.Operation;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Hostile policy documents: any nesting depth is a 400 naming the problem (it was a
 * StackOverflowError and a 500), and many blocks parse as one document would (the parse is cut
 * per top-level block so that its time grows linearly; timings live in docs/benchmarks.md).
 */
class PolicyDocumentLimitsTest {

    private static String nested(int depth, String open, String close) {
        return open.repeat(depth) + "1" + close.repeat(depth);
    }

    @ParameterizedTest
    @ValueSource(ints = {33, 1_000, 5_000, 100_000})
    void deepHclNestingIsA400NamingTheLimit(int depth) {
        EngineException e = assertThrows(EngineException.class, () -> PolicyParser.parse("p",
                "path \"x\" { a = " + nested(depth, "[", "]") + " }"));
        assertEquals(400, e.status());
        assertTrue(e.getMessage().contains("nested more than 32 levels"), e.getMessage());
    }

    @Test
    void deepJsonNestingIsA400Too() {
        EngineException e = assertThrows(EngineException.class, () -> PolicyParser.parse("p",
                "{\"path\":{\"x\":{\"a\":" + nested(5_000, "{\"b\":", "}") + "}}}"));
        assertEquals(400, e.status());
        EngineException pw = assertThrows(EngineException.class, () -> PasswordPolicies.parse(
                "length = 20\nrule \"charset\" { charset = " + nested(5_000, "[", "]") + " }"));
        assertEquals(400, pw.status());
    }

    @Test
    void bracketsInStringsCommentsAndHeredocsDoNotCount() {
        String deep = "[".repeat(100);
        Policy p = PolicyParser.parse("p", "# " + deep + "\n// " + deep + "\n/* " + deep + " */\n"
                + "path \"secret/" + deep.replace("[", "x") + "\" { capabilities = [\"read\"] }\n"
                + "path \"a{b}[c]\" { capabilities = [\"list\"] }\n");
        assertEquals(2, p.rules().size());
    }

    @Test
    void eightThousandBlocksParseIntoEightThousandRules() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8_000; i++) {
            sb.append("path \"secret/data/p").append(i).append("/*\" {\n  capabilities = [\"read\", \"list\"]\n}\n");
        }
        Policy p = PolicyParser.parse("big", sb.toString());
        assertEquals(8_000, p.rules().size());
        assertTrue(Acl.compile(List.of(p)).check(Operation.READ, "secret/data/p7999/k", Map.of(), false)
                .allowed());
    }

    @Test
    void aPathWrittenTwiceUnitesItsCapabilities() {
        Acl acl = Acl.compile(List.of(PolicyParser.parse("p",
                "path \"s/a\" { capabilities = [\"read\"] }\npath \"s/a\" { capabilities = [\"list\"] }")));
        assertTrue(acl.check(Operation.READ, "s/a", Map.of(), false).allowed());
        assertTrue(acl.check(Operation.LIST, "s/a", Map.of(), false).allowed());
    }

    @Test
    void passwordPoliciesWithRepeatedRulesStillReadEveryRule() {
        assertEquals(20, PasswordPolicies.parse("length = 20\nrule \"charset\" {\n charset = \"ab\"\n min-chars = 1\n}\n"
                + "rule \"charset\" {\n charset = \"cd\"\n min-chars = 1\n}\n").generate().length());
    }
}
