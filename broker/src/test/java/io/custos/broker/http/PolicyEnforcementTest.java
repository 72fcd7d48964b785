package io.custos.broker.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.custos.broker.policy.PolicyStore;
import io.custos.engine.sdk.MutableClock;
import io.custos.engine.sdk.Json;
import io.micronaut.test.annotation.MockBean;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A token with policy P can do exactly what P allows on KV v2 paths, and nothing else. */
@MicronautTest(transactional = false)
class PolicyEnforcementTest extends BrokerHttpTest {
    private final MutableClock clock = new MutableClock();

    @MockBean(Clock.class)
    Clock clock() {
        return clock;
    }

    private static final String POLICY = """
            path "secret/data/app/*" {
              capabilities = ["read"]
            }
            path "secret/metadata/app/*" {
              capabilities = ["list"]
            }
            path "secret/data/app/locked" {
              capabilities = ["deny"]
            }
            path "secret/data/restricted" {
              capabilities = ["create", "update"]
              allowed_parameters = {
                "username" = []
                "password" = []
              }
            }
            path "auth/token/create" {
              capabilities = ["update"]
              max_ttl = "1h"
            }
            """;
    private String root;
    private String reader;
    @Inject
    PolicyStore policies;

    @BeforeAll
    void setUp() throws Exception {
        root = initAndUnseal();
        call("POST", "sys/mounts/secret", root, "{\"type\":\"kv-v2\"}");
        for (String k : new String[] {"app/db", "app/locked", "team/x"}) {
            call("POST", "secret/data/" + k, root, "{\"data\":{\"v\":\"" + k + "\"}}");
        }
        assertEquals(204, call("PUT", "sys/policies/acl/app-reader", root,
                Json.MAPPER.writeValueAsString(Map.of("policy", POLICY))).status());
        Reply created = call("POST", "auth/token/create", root, "{\"policies\":[\"app-reader\"]}");
        assertEquals(200, created.status());
        reader = created.json().get("auth").get("client_token").asText();
        assertEquals("[\"app-reader\",\"default\"]", created.json().get("auth").get("policies").toString());
    }

    @ParameterizedTest(name = "{0} {1} -> {3}")
    @CsvSource(delimiter = '|', value = {
            "GET|secret/data/app/db||200",
            "LIST|secret/metadata/app||200",
            "GET|auth/token/lookup-self||200",
            "GET|secret/data/team/x||403",
            "GET|secret/data/app/locked||403",
            "POST|secret/data/app/db|{\"data\":{\"v\":\"x\"}}|403",
            "DELETE|secret/data/app/db||403",
            "GET|secret/metadata/app/db||403",
            "POST|secret/destroy/app/db|{\"versions\":[1]}|403",
            "LIST|secret/metadata/team||403",
            "GET|sys/mounts||403",
            "POST|sys/mounts/other|{\"type\":\"kv\"}|403",
            "PUT|sys/policies/acl/mine|{\"policy\":\"path \\\"*\\\" { capabilities = [\\\"sudo\\\"] }\"}|403",
            "POST|sys/seal||403",
            "POST|secret/data/restricted|{\"data\":{\"username\":\"u\",\"password\":\"p\"}}|200",
            "POST|secret/data/restricted|{\"data\":{\"username\":\"u\",\"is_admin\":\"yes\"}}|403",
    })
    void exactlyWhatThePolicyAllows(String method, String path, String body, int status) {
        Reply r = call(method, path, reader, body == null || body.isEmpty() ? null : body);
        assertEquals(status, r.status(), () -> method + " " + path + ": " + r.json());
        if (status == 403) {
            assertEquals("permission denied", r.error());
        }
    }

    @Test
    void childTokensGetOnlyTheParentsPoliciesAndTheLeasePolicyCap() {
        Reply escalate = call("POST", "auth/token/create", reader, "{\"policies\":[\"root\"]}");
        assertEquals(400, escalate.status());
        assertEquals("child policies must be subset of parent", escalate.error());
        Reply child = call("POST", "auth/token/create", reader, "{\"ttl\":\"24h\"}");
        assertEquals(200, child.status());
        assertEquals(3600, child.json().get("auth").get("lease_duration").asInt(), "capped by max_ttl = 1h");
        assertTrue(child.json().get("warnings").get(0).asText().contains("capped"), child.json().toString());
        String childToken = child.json().get("auth").get("client_token").asText();
        assertEquals(200, call("GET", "secret/data/app/db", childToken, null).status());
        assertEquals(403, call("GET", "secret/data/team/x", childToken, null).status());
    }

    @Test
    void limitedUseAndExpiredTokensStopWorking() throws Exception {
        String twice = call("POST", "auth/token/create", root, "{\"policies\":[\"app-reader\"],\"num_uses\":2}")
                .json().get("auth").get("client_token").asText();
        assertEquals(200, call("GET", "secret/data/app/db", twice, null).status());
        assertEquals(200, call("GET", "secret/data/app/db", twice, null).status());
        assertEquals(403, call("GET", "secret/data/app/db", twice, null).status());

        String brief = call("POST", "auth/token/create", root, "{\"policies\":[\"app-reader\"],\"ttl\":\"1s\"}")
                .json().get("auth").get("client_token").asText();
        assertEquals(200, call("GET", "secret/data/app/db", brief, null).status());
        clock.advance(Duration.ofMillis(1_100)); // the TTL passes without sleeping through it
        assertEquals(403, call("GET", "secret/data/app/db", brief, null).status());
    }

    @Test
    void useLimitsHoldUnderConcurrency() throws Exception {
        String limited = call("POST", "auth/token/create", root, "{\"policies\":[\"app-reader\"],\"num_uses\":5}")
                .json().get("auth").get("client_token").asText();
        ExecutorService pool = Executors.newFixedThreadPool(20);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Integer>> results = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            results.add(pool.submit(() -> {
                go.await();
                return call("GET", "secret/data/app/db", limited, null).status();
            }));
        }
        go.countDown();
        int ok = 0;
        for (Future<Integer> f : results) {
            ok += f.get() == 200 ? 1 : 0;
        }
        pool.shutdown();
        assertEquals(5, ok, "exactly num_uses requests succeed");
    }

    @Test
    void policiesAreManagedThroughBothEndpoints() {
        JsonNode keys = call("LIST", "sys/policies/acl", root, null).json().get("data").get("keys");
        assertTrue(keys.toString().contains("\"app-reader\"") && keys.toString().contains("\"default\"")
                && keys.toString().contains("\"root\""), keys.toString());
        assertEquals(POLICY, call("GET", "sys/policies/acl/app-reader", root, null).json().get("data").get("policy").asText());
        assertEquals(POLICY, call("GET", "sys/policy/app-reader", root, null).json().get("data").get("rules").asText());
        assertEquals(400, call("DELETE", "sys/policies/acl/root", root, null).status());
        assertEquals(400, call("DELETE", "sys/policies/acl/default", root, null).status());
        Reply bad = call("PUT", "sys/policy/broken", root, "{\"rules\":\"path \\\"a/*/b\\\" { capabilities = [\\\"read\\\"] }\"}");
        assertEquals(400, bad.status());
        assertTrue(bad.error().contains("'*' is only allowed at the end"), bad.error());
        String b64 = Base64.getEncoder().encodeToString("path \"kv/*\" { capabilities = [\"read\"] }".getBytes());
        assertEquals(204, call("PUT", "sys/policies/acl/encoded", root, "{\"policy\":\"" + b64 + "\"}").status());
        assertTrue(call("GET", "sys/policies/acl/encoded", root, null).json().get("data").get("policy").asText()
                .startsWith("path \"kv/*\""));
        assertEquals(204, call("DELETE", "sys/policies/acl/encoded", root, null).status());
        assertEquals(404, call("GET", "sys/policies/acl/encoded", root, null).status());
    }

    /**
     * Compiled ACLs are cached per set of policy names, and tokens choose the sets (a child may
     * hold any subset of its parent's policies): the cache stays bounded however many are asked for.
     */
    @Test
    void compiledAclsStayBoundedHoweverManyPolicySetsTokensCarry() {
        int names = 160; // 12,720 pairs, more than the bound
        for (int i = 0; i < names; i++) {
            for (int j = i + 1; j < names; j++) {
                policies.acl(List.of("p" + i, "p" + j));
            }
        }
        long held = policies.compiledAcls();
        assertTrue(held > 0 && held <= PolicyStore.MAX_ACLS, held + " compiled ACLs held");
        assertEquals(200, call("GET", "secret/data/app/db", reader, null).status(), "still enforced after eviction");
        assertEquals(403, call("GET", "secret/data/team/x", reader, null).status());
    }
}
