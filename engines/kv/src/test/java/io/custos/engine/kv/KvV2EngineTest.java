package io.custos.engine.kv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.custos.engine.sdk.EngineContext;
import io.custos.engine.sdk.EngineException;
import io.custos.engine.sdk.InMemoryStorage;
import io.custos.engine.sdk.Operation;
import io.custos.engine.sdk.Request;
import io.custos.engine.sdk.Response;
import io.custos.engine.sdk.SecretsEngine;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class KvV2EngineTest {
    private final InMemoryStorage storage = new InMemoryStorage();
    private Instant now = Instant.parse("2026-01-01T00:00:00Z");
    private final Clock clock = new Clock() {
        @Override public ZoneOffset getZone() { return ZoneOffset.UTC; }
        @Override public Clock withZone(ZoneId zone) { return this; }
        @Override public Instant instant() { return now; }
    };
    private final SecretsEngine kv = new KvEngineFactory().create(
            new EngineContext("secret/", storage, Map.of("version", "2"), clock));

    private Response call(Operation op, String path, Map<String, Object> body) {
        return kv.handle(new Request(op, path, body));
    }

    private Response write(String path, Map<String, Object> data) {
        return call(Operation.UPDATE, "data/" + path, Map.of("data", data));
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> readData(String path, Object version) {
        Map<String, Object> q = version == null ? Map.of() : Map.of("version", version);
        return (Map<String, Object>) call(Operation.READ, "data/" + path, q).data().get("data");
    }

    @Test
    void writesCreateVersionsAndReadsSelectThem() {
        assertEquals(1L, write("app/db", Map.of("password", "one")).data().get("version"));
        assertEquals(2L, write("app/db", Map.of("password", "two")).data().get("version"));
        assertEquals(Map.of("password", "two"), readData("app/db", null));
        assertEquals(Map.of("password", "one"), readData("app/db", "1"));
        assertNull(call(Operation.READ, "data/app/db", Map.of("version", 9)));
        assertNull(call(Operation.READ, "data/missing", Map.of()));
    }

    @ParameterizedTest(name = "cas={0} against version 1 -> {1}")
    @CsvSource({"0, check-and-set parameter did not match the current version",
            "2, check-and-set parameter did not match the current version", "1, ok"})
    void checkAndSet(long cas, String outcome) {
        write("k", Map.of("a", "b"));
        Map<String, Object> body = Map.of("data", Map.of("a", "c"), "options", Map.of("cas", cas));
        if (outcome.equals("ok")) {
            assertEquals(2L, call(Operation.UPDATE, "data/k", body).data().get("version"));
        } else {
            EngineException e = assertThrows(EngineException.class, () -> call(Operation.UPDATE, "data/k", body));
            assertEquals(400, e.status());
            assertEquals(outcome, e.getMessage());
        }
    }

    @Test
    void casRequiredOnTheMountRefusesWritesWithoutCas() {
        call(Operation.UPDATE, "config", Map.of("cas_required", true));
        EngineException e = assertThrows(EngineException.class, () -> write("k", Map.of("a", "b")));
        assertEquals("check-and-set parameter required for this call", e.getMessage());
        assertEquals(1L, call(Operation.UPDATE, "data/k",
                Map.of("data", Map.of("a", "b"), "options", Map.of("cas", 0))).data().get("version"));
    }

    @Test
    void softDeleteUndeleteAndDestroy() {
        write("k", Map.of("v", "1"));
        write("k", Map.of("v", "2"));
        assertNull(call(Operation.DELETE, "data/k", Map.of()));
        Response deleted = call(Operation.READ, "data/k", Map.of());
        assertEquals(404, deleted.status());
        assertNull(deleted.data().get("data"));
        assertFalse(((Map<?, ?>) deleted.data().get("metadata")).get("deletion_time").toString().isEmpty());

        call(Operation.UPDATE, "undelete/k", Map.of("versions", List.of(2)));
        assertEquals(Map.of("v", "2"), readData("k", null));

        call(Operation.UPDATE, "destroy/k", Map.of("versions", List.of(1)));
        Response destroyed = call(Operation.READ, "data/k", Map.of("version", 1));
        assertEquals(404, destroyed.status());
        assertEquals(true, ((Map<?, ?>) destroyed.data().get("metadata")).get("destroyed"));
        call(Operation.UPDATE, "undelete/k", Map.of("versions", List.of(1)));
        assertEquals(404, call(Operation.READ, "data/k", Map.of("version", 1)).status());
        assertTrue(storage.get(MetadataTx.versionKey("k", 1)).isEmpty(), "destroyed data is gone from storage");

        assertEquals("no version number provided", assertThrows(EngineException.class,
                () -> call(Operation.UPDATE, "delete/k", Map.of())).getMessage());
    }

    @Test
    void maxVersionsPrunesTheOldest() {
        call(Operation.UPDATE, "metadata/k", Map.of("max_versions", 2));
        for (int i = 1; i <= 4; i++) {
            write("k", Map.of("v", Integer.toString(i)));
        }
        Map<String, Object> meta = call(Operation.READ, "metadata/k", Map.of()).data();
        assertEquals(4L, meta.get("current_version"));
        assertEquals(3L, meta.get("oldest_version"));
        assertEquals(List.of("3", "4"), List.copyOf(((Map<?, ?>) meta.get("versions")).keySet()));
        assertNull(call(Operation.READ, "data/k", Map.of("version", 1)));
        assertTrue(storage.get(MetadataTx.versionKey("k", 1)).isEmpty());
    }

    @Test
    void deleteVersionAfterSoftDeletesOnTheClock() {
        call(Operation.UPDATE, "metadata/k", Map.of("delete_version_after", "1h"));
        write("k", Map.of("v", "1"));
        assertEquals(Map.of("v", "1"), readData("k", null));
        now = now.plus(Duration.ofMinutes(61));
        assertEquals(404, call(Operation.READ, "data/k", Map.of()).status());
        assertEquals("1h0m0s", call(Operation.READ, "metadata/k", Map.of()).data().get("delete_version_after"));
    }

    @Test
    void patchMergesIntoANewVersion() {
        write("k", Map.of("a", "1", "b", "2"));
        Map<String, Object> patch = new HashMap<>();
        patch.put("b", null);
        patch.put("c", "3");
        assertEquals(2L, call(Operation.PATCH, "data/k", Map.of("data", patch)).data().get("version"));
        assertEquals(Map.of("a", "1", "c", "3"), readData("k", null));
        EngineException missing = Assertions.assertThrows(EngineException.class,
                () -> call(Operation.PATCH, "data/missing", Map.of("data", Map.of("x", "y"))));
        assertEquals(404, missing.status(), "as Vault: nothing to patch");
    }

    @Test
    void metadataCustomFieldsListAndDelete() {
        write("team/a", Map.of("x", "1"));
        write("team/b/c", Map.of("x", "1"));
        call(Operation.UPDATE, "metadata/team/a", Map.of("custom_metadata", Map.of("owner", "ops")));
        assertEquals(Map.of("owner", "ops"), call(Operation.READ, "metadata/team/a", Map.of()).data().get("custom_metadata"));
        call(Operation.PATCH, "metadata/team/a", Map.of("custom_metadata", Map.of("tier", "1")));
        assertEquals(Map.of("owner", "ops", "tier", "1"),
                call(Operation.READ, "metadata/team/a", Map.of()).data().get("custom_metadata"));
        assertEquals(List.of("a", "b/"), call(Operation.LIST, "metadata/team", Map.of()).data().get("keys"));
        assertEquals(List.of("team/"), call(Operation.LIST, "metadata/", Map.of()).data().get("keys"));
        call(Operation.DELETE, "metadata/team/a", Map.of());
        assertNull(call(Operation.READ, "metadata/team/a", Map.of()));
        assertTrue(storage.keys().stream().noneMatch(k -> k.startsWith(MetadataTx.versionKey("team/a", 1))));
        assertNull(call(Operation.LIST, "metadata/nothing/", Map.of()));
    }

    @Test
    void customMetadataLimitsAreEnforced() {
        Map<String, Object> tooMany = new HashMap<>();
        for (int i = 0; i < 65; i++) {
            tooMany.put("k" + i, "v");
        }
        assertEquals(400, assertThrows(EngineException.class,
                () -> call(Operation.UPDATE, "metadata/k", Map.of("custom_metadata", tooMany))).status());
        assertEquals(400, assertThrows(EngineException.class,
                () -> call(Operation.UPDATE, "metadata/k", Map.of("custom_metadata", Map.of("k", 5)))).status());
    }

    @Test
    void subkeysReplaceValuesWithNull() {
        write("k", Map.of("a", Map.of("b", Map.of("c", "secret")), "d", "secret"));
        Map<String, Object> all = call(Operation.READ, "subkeys/k", Map.of()).data();
        Map<String, Object> expected = new HashMap<>();
        expected.put("d", null);
        Map<String, Object> b = new HashMap<>();
        b.put("c", null);
        expected.put("a", Map.of("b", b));
        assertEquals(expected, all.get("subkeys"));
        Map<String, Object> shallow = new HashMap<>();
        shallow.put("a", null);
        shallow.put("d", null);
        assertEquals(shallow, call(Operation.READ, "subkeys/k", Map.of("depth", 1)).data().get("subkeys"));
    }

    @Test
    void configDefaultsMatchVault() {
        assertEquals(Map.of("cas_required", false, "delete_version_after", "0s", "max_versions", 0L),
                call(Operation.READ, "config", Map.of()).data());
    }

    @Test
    void badInputIs400() {
        assertEquals("no data provided",
                assertThrows(EngineException.class, () -> call(Operation.UPDATE, "data/k", Map.of())).getMessage());
        assertEquals(400, assertThrows(EngineException.class,
                () -> call(Operation.UPDATE, "data/k", Map.of("data", "not-an-object"))).status());
        assertEquals(400, assertThrows(EngineException.class,
                () -> call(Operation.UPDATE, "metadata/k", Map.of("max_versions", -1))).status());
    }

    @Test
    void writeIsClassifiedAsCreateOrUpdate() {
        Request w = new Request(Operation.UPDATE, "data/new", Map.of("data", Map.of("a", "b")));
        assertEquals(Operation.CREATE, kv.classifyWrite(w));
        kv.handle(w);
        assertEquals(Operation.UPDATE, kv.classifyWrite(w));
    }

    @Test
    void kvVersion1StoresUnversionedObjects() {
        SecretsEngine v1 = new KvEngineFactory().create(new EngineContext("kv/", storage, Map.of("version", "1"), clock));
        v1.handle(new Request(Operation.UPDATE, "a/b", Map.of("k", "v")));
        assertEquals(Map.of("k", "v"), v1.handle(new Request(Operation.READ, "a/b", Map.of())).data());
        assertEquals(List.of("b"), v1.handle(new Request(Operation.LIST, "a", Map.of())).data().get("keys"));
        v1.handle(new Request(Operation.DELETE, "a/b", Map.of()));
        assertNull(v1.handle(new Request(Operation.READ, "a/b", Map.of())));
    }

    /** Two engines over one storage stand for two brokers: check-and-set has one winner per version. */
    @Test
    void checkAndSetHasOneWinnerPerVersionAcrossEngines() throws Exception {
        SecretsEngine other = new KvEngineFactory().create(new EngineContext("secret/", storage, Map.of("version", "2"),
                clock));
        call(Operation.UPDATE, "data/race", Map.of("data", Map.of("v", "0")));
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<Boolean>> wins = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                SecretsEngine e = i % 2 == 0 ? kv : other;
                Map<String, Object> body = Map.of("data", Map.of("v", "w" + i), "options", Map.of("cas", 1));
                wins.add(pool.submit(() -> {
                    try {
                        e.handle(new Request(Operation.UPDATE, "data/race", new HashMap<>(body)));
                        return true;
                    } catch (EngineException ex) {
                        assertTrue(ex.getMessage().contains("check-and-set parameter did not match"), ex.getMessage());
                        return false;
                    }
                }));
            }
            int won = 0;
            for (Future<Boolean> w : wins) {
                won += w.get() ? 1 : 0;
            }
            assertEquals(1, won, "one writer replaces version 1");
            // without cas every writer gets a version of its own, and each version holds its writer's data
            List<Future<Long>> versions = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                SecretsEngine e = i % 2 == 0 ? kv : other;
                String v = "free" + i;
                versions.add(pool.submit(() -> ((Number) e.handle(new Request(Operation.UPDATE, "data/race",
                        new HashMap<>(Map.of("data", Map.of("v", v))))).data().get("version")).longValue()));
            }
            Set<Long> seen = new HashSet<>();
            for (Future<Long> f : versions) {
                seen.add(f.get());
            }
            assertEquals(16, seen.size(), "16 distinct versions");
            assertEquals(18L, ((Number) ((Map<?, ?>) call(Operation.READ, "metadata/race", Map.of()).data()).get("current_version")).longValue());
        } finally {
            pool.shutdownNow();
        }
    }
}
