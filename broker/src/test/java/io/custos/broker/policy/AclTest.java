package io.custos.broker.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.custos.engine.sdk.EngineException;
import io.custos.engine.sdk.Operation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** The policy engine as a pure function: Vault's precedence, union and deny rules, parameters, caps. */
class AclTest {

    private static Acl acl(String... hcl) {
        List<Policy> policies = new ArrayList<>();
        for (int i = 0; i < hcl.length; i++) {
            policies.add(PolicyParser.parse("p" + i, hcl[i]));
        }
        return Acl.compile(policies);
    }

    private static boolean allowed(Acl acl, Operation op, String path) {
        return acl.check(op, path, Map.of(), false).allowed();
    }

    static Stream<Arguments> precedence() {
        String policy = """
                path "secret/*"              { capabilities = ["read", "update"] }
                path "secret/locked"         { capabilities = ["read"] }
                path "secret/+/teamb"        { capabilities = ["delete"] }
                path "secret/+/*"            { capabilities = ["list"] }
                path "secret/+/+/x"          { capabilities = ["create"] }
                path "secret/+/y/x"          { capabilities = ["patch"] }
                path "secret/app*"           { capabilities = ["sudo", "read"] }
                path "secret/+/a*"           { capabilities = ["create"] }
                path "kv/data/+/config"      { capabilities = ["read"] }
                path "kv/data/shared/config" { capabilities = ["deny"] }
                """;
        return Stream.of(
                // exact beats every wildcard, even one granting more
                Arguments.of(policy, Operation.UPDATE, "secret/locked", false),
                Arguments.of(policy, Operation.READ, "secret/locked", true),
                Arguments.of(policy, Operation.UPDATE, "secret/open", true),
                // same first wildcard: the one without a trailing glob wins
                Arguments.of(policy, Operation.DELETE, "secret/q/teamb", true),
                Arguments.of(policy, Operation.LIST, "secret/q/teamb", false),
                // same first wildcard, both globs: fewer '+' segments wins, so secret/* beats secret/+/*
                Arguments.of(policy, Operation.READ, "secret/q/other", true),
                Arguments.of(policy, Operation.LIST, "secret/q/other", false),
                // fewer '+' segments wins
                Arguments.of(policy, Operation.PATCH, "secret/q/y/x", true),
                Arguments.of(policy, Operation.CREATE, "secret/q/y/x", false),
                Arguments.of(policy, Operation.CREATE, "secret/q/z/x", true),
                // a later first wildcard wins: secret/app* over secret/* and secret/+/*
                Arguments.of(policy, Operation.READ, "secret/app/x", true),
                Arguments.of(policy, Operation.UPDATE, "secret/app/x", false),
                // secret/* (no '+') outranks secret/+/a* and secret/+/* alike
                Arguments.of(policy, Operation.UPDATE, "secret/q/abc", true),
                Arguments.of(policy, Operation.CREATE, "secret/q/abc", false),
                // '+' is exactly one segment
                Arguments.of(policy, Operation.READ, "kv/data/team1/config", true),
                Arguments.of(policy, Operation.READ, "kv/data/a/b/config", false),
                Arguments.of(policy, Operation.READ, "kv/data/shared/config", false),
                // nothing matches: default deny
                Arguments.of(policy, Operation.READ, "other/path", false),
                Arguments.of(policy, Operation.READ, "secret", false));
    }

    @ParameterizedTest(name = "{1} {2} -> {3}")
    @MethodSource("precedence")
    void vaultPrecedence(String policy, Operation op, String path, boolean expected) {
        assertEquals(expected, allowed(acl(policy), op, path));
    }

    @ParameterizedTest(name = "{0} outranks {1}")
    @CsvSource({"secret/+/teamb, secret/+/*", "secret/+/foo, secret/*", "secret/a*, secret/+/foo",
            "secret/+/y/x, secret/+/+/x", "secret/+/a*, secret/+/*", "secret/ab*, secret/a*", "secret/b*, secret/a*"})
    void priorityOrder(String higher, String lower) {
        assertTrue(Acl.comparePriority(higher, lower) > 0);
        assertTrue(Acl.comparePriority(lower, higher) < 0);
    }

    @Test
    void samePatternInSeveralPoliciesIsTheUnionAndDenyWins() {
        Acl union = acl("path \"secret/x\" { capabilities = [\"read\"] }", "path \"secret/x\" { capabilities = [\"update\"] }");
        assertTrue(allowed(union, Operation.READ, "secret/x"));
        assertTrue(allowed(union, Operation.UPDATE, "secret/x"));
        Acl denied = acl("path \"secret/*\" { capabilities = [\"read\", \"list\"] }", "path \"secret/*\" { capabilities = [\"deny\"] }");
        assertFalse(allowed(denied, Operation.READ, "secret/x"));
        assertEquals(List.of("deny"), denied.capabilities("secret/x"));
    }

    @Test
    void rootProtectedPathsNeedSudoAndRootHasEverything() {
        Acl a = acl("path \"sys/rotate\" { capabilities = [\"update\"] }", "path \"sys/seal\" { capabilities = [\"update\", \"sudo\"] }");
        assertFalse(a.check(Operation.UPDATE, "sys/rotate", Map.of(), true).allowed());
        assertTrue(a.check(Operation.UPDATE, "sys/seal", Map.of(), true).allowed());
        Acl root = Acl.compile(List.of(new Policy(Policy.ROOT, "", List.of())));
        assertTrue(root.check(Operation.DELETE, "anything/at/all", Map.of(), true).allowed());
    }

    static Stream<Arguments> parameters() {
        String p = """
                path "secret/data/app" {
                  capabilities = ["create", "update"]
                  allowed_parameters = { "username" = [], "role" = ["reader", "writer*"] }
                  denied_parameters = { "password" = ["hunter*"] }
                  required_parameters = ["username"]
                }
                path "secret/data/open" {
                  capabilities = ["update"]
                  allowed_parameters = { "*" = [] }
                  denied_parameters = { "admin" = [] }
                }
                path "secret/data/closed" {
                  capabilities = ["update"]
                  denied_parameters = { "*" = [] }
                }
                """;
        return Stream.of(
                Arguments.of(p, "secret/data/app", Map.of("username", "u"), true),
                Arguments.of(p, "secret/data/app", Map.of("username", "u", "role", "reader"), true),
                Arguments.of(p, "secret/data/app", Map.of("username", "u", "role", "writer-2"), true),
                Arguments.of(p, "secret/data/app", Map.of("username", "u", "role", "admin"), false),
                Arguments.of(p, "secret/data/app", Map.of("role", "reader"), false),
                Arguments.of(p, "secret/data/app", Map.of("username", "u", "email", "e"), false),
                Arguments.of(p, "secret/data/app", Map.of("username", "u", "password", "hunter2"), false),
                Arguments.of(p, "secret/data/open", Map.of("anything", 1, "else", List.of("a")), true),
                Arguments.of(p, "secret/data/open", Map.of("admin", true), false),
                Arguments.of(p, "secret/data/closed", Map.of(), true),
                Arguments.of(p, "secret/data/closed", Map.of("x", 1), false));
    }

    @ParameterizedTest(name = "{1} {2} -> {3}")
    @MethodSource("parameters")
    void parameterConstraints(String policy, String path, Map<String, Object> params, boolean expected) {
        Acl.Decision d = acl(policy).check(Operation.UPDATE, path, params, false);
        assertEquals(expected, d.allowed(), d.reason());
        if (!expected) {
            assertFalse(d.reason().contains("hunter2"), "the reason never echoes a value");
        }
    }

    @Test
    void leaseCapsAreTheSmallestOfEveryMatchingBlock() {
        Acl a = acl("""
                path "database/creds/*" {
                  capabilities = ["read"]
                  max_ttl = "2h"
                  default_ttl = "30m"
                }
                path "database/creds/web" {
                  capabilities = ["read"]
                  max_ttl = "4h"
                }
                """, "path \"database/*\" {\n  capabilities = [\"list\"]\n  max_ttl = 3600\n}");
        Acl.Decision d = a.check(Operation.READ, "database/creds/web", Map.of(), false);
        assertTrue(d.allowed());
        assertEquals(Duration.ofHours(1), d.maxTtl());
        assertEquals(Duration.ofMinutes(30), d.defaultTtl());
    }

    @Test
    void hclAndJsonAndLegacyFormsAgree() {
        Acl hcl = acl("path \"secret/*\" { capabilities = [\"read\", \"list\"] }");
        Acl json = Acl.compile(List.of(PolicyParser.parse("j", "{\"path\":{\"secret/*\":{\"capabilities\":[\"read\",\"list\"]}}}")));
        Acl legacy = acl("path \"secret/*\" { policy = \"read\" }");
        for (Acl a : List.of(hcl, json, legacy)) {
            assertTrue(allowed(a, Operation.READ, "secret/a"));
            assertTrue(allowed(a, Operation.LIST, "secret/a"));
            assertFalse(allowed(a, Operation.UPDATE, "secret/a"));
        }
        assertTrue(allowed(acl("path \"secret/*\" { policy = \"write\" }"), Operation.DELETE, "secret/a"));
    }

    static Stream<Arguments> badPolicies() {
        return Stream.of(
                Arguments.of("path \"secret/*\" { capabilities = [\"fly\"] }", "invalid capability \"fly\""),
                Arguments.of("path \"secret/*/x\" { capabilities = [\"read\"] }", "'*' is only allowed at the end"),
                Arguments.of("path \"secret/a+b\" { capabilities = [\"read\"] }", "'+' must be a whole path segment"),
                Arguments.of("path \"secret/*\" {\n capabilities = [\"read\"]\n colour = \"red\"\n}", "unknown key \"colour\""),
                Arguments.of("path \"secret/*\" { capabilities = \"read\" }", "must be a list"),
                Arguments.of("path \"secret/*\" {\n min_wrapping_ttl = \"2h\"\n max_wrapping_ttl = \"1h\"\n}",
                        "min_wrapping_ttl is greater"),
                Arguments.of("path \"secret/*\" { max_ttl = \"forever\" }", "max_ttl"),
                Arguments.of("path \"secret/*\" { capabilities = = [\"read\"] }", "failed to parse policy HCL"),
                Arguments.of("{\"path\": 5}", "must be a block"),
                Arguments.of("backend \"y\" {\n}", "unknown top-level key"),
                Arguments.of("   ", "is empty"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("badPolicies")
    void badPoliciesAre400sThatSayWhy(String text, String expected) {
        EngineException e = assertThrows(EngineException.class, () -> PolicyParser.parse("bad", text));
        assertEquals(400, e.status());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
