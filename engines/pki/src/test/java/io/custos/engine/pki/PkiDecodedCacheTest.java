package io.custos.engine.pki;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.custos.engine.sdk.EngineContext;
import io.custos.engine.sdk.InMemoryStorage;
import io.custos.engine.sdk.EngineException;
import io.custos.engine.sdk.Json;
import io.custos.engine.sdk.Operation;
import io.custos.engine.sdk.SwitchableSystemView;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Roles and issuers are decoded once and kept — and never trusted past a change: a write
 * through the engine is seen at once, another broker's once the invalidation hook runs, and
 * nothing is kept while the broker says its caches may be stale.
 */
class PkiDecodedCacheTest {
    private final InMemoryStorage storage = new InMemoryStorage();
    private final SwitchableSystemView system = new SwitchableSystemView();
    private PkiEngine pki;

    @BeforeEach
    void setUp() {
        pki = new PkiEngine(new EngineContext("pki/", storage, Map.of(), Clock.systemUTC(), system),
                new StoredKeyManager(storage));
        PkiEngineTest.call(pki, Operation.UPDATE, "root/generate/internal", Map.of("common_name", "Root", "key_type", "ec"));
        PkiEngineTest.call(pki, Operation.UPDATE, "roles/web", Map.of("allowed_domains", "example.com",
                "allow_subdomains", true, "key_type", "ec", "ttl", "1h"));
    }

    private Map<String, Object> issue(String cn) {
        return PkiEngineTest.call(pki, Operation.UPDATE, "issue/web", Map.of("common_name", cn, "no_store", true));
    }

    /** Another broker rewrites the role straight into the shared storage (no notification here). */
    private void roleChangedElsewhere(String domain) {
        Map<String, Object> role = Json.readMap(storage.get("roles/web").orElseThrow());
        role.put("allowedDomains", List.of(domain));
        storage.put("roles/web", Json.write(role));
    }

    @Test
    void anotherBrokersChangeIsSeenOnceTheHookRunsAndOwnWritesAtOnce() {
        issue("a.example.com"); // decoded and kept
        roleChangedElsewhere("example.net");
        issue("b.example.com"); // still the kept role: the change has not been announced
        pki.invalidate("roles/web");
        assertThrows(EngineException.class, () -> issue("c.example.com"), "the new role applies once announced");
        issue("c.example.net");

        PkiEngineTest.call(pki, Operation.UPDATE, "roles/web", Map.of("allowed_domains", "example.org",
                "allow_subdomains", true, "key_type", "ec", "ttl", "1h"));
        assertThrows(EngineException.class, () -> issue("d.example.net"), "this node's own write is seen at once");
        issue("d.example.org");
    }

    @Test
    void nothingIsKeptWhileTheBrokerMayMissChanges() {
        system.cachesValid(false);
        issue("a.example.com");
        roleChangedElsewhere("example.net");
        assertThrows(EngineException.class, () -> issue("b.example.com"), "read from storage, not from memory");
        assertEquals(true, issue("b.example.net").containsKey("certificate"));
    }

    @Test
    void aDefaultIssuerChangedElsewhereIsFollowedAfterTheHook() {
        Map<String, Object> second = PkiEngineTest.call(pki, Operation.UPDATE, "root/generate/internal",
                Map.of("common_name", "Second Root", "key_type", "ec", "issuer_name", "second"));
        String secondId = (String) second.get("issuer_id");
        issue("a.example.com");
        storage.put("config/issuers", Json.write(Map.of("default", secondId)));
        pki.invalidate("");
        assertEquals(PkiEngineTest.call(pki, Operation.READ, "issuer/default", Map.of()).get("issuer_id"), secondId);
    }
}
