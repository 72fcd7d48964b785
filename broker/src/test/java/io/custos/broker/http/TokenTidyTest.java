package io.custos.broker.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.custos.broker.storage.ChangeFeed;
import io.custos.broker.token.TokenStore;
import io.custos.broker.token.TokenSweeper;
import io.custos.engine.sdk.MutableClock;
import io.micronaut.test.annotation.MockBean;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Expired tokens leave storage and memory: 2,000 short-lived tokens, time moved past their expiry,
 * one sweep, and the token rows and cache entries are back where they started (the review found
 * 2,006 rows and 2,005 heap entries 30 s after expiry, for ever).
 */
@MicronautTest(transactional = false) // the sweep runs on the test thread and must commit
class TokenTidyTest extends BrokerHttpTest {
    private final MutableClock clock = new MutableClock();
    private String root;

    @Inject
    TokenStore tokens;

    @Inject
    TokenSweeper sweeper;
    @Inject
    ChangeFeed feed;

    @MockBean(Clock.class)
    Clock clock() {
        return clock;
    }

    @Override
    protected Map<String, String> extraProperties() {
        return Map.of("custos.tokens.tidy-interval", "1h"); // the test sweeps by hand
    }

    @BeforeAll
    void unseal() {
        root = initAndUnseal();
    }

    private long tokenRows() throws Exception {
        try (Connection c = db.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM custos_entries WHERE path LIKE 'core/token/%'"
                        + " AND path <> 'core/token/hmac-key'")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void twoThousandExpiredTokensLeaveStorageAndMemoryAfterOneSweep() throws Exception {
        String parent = call("POST", "auth/token/create", root, "{\"ttl\":\"1h\"}").json().get("auth")
                .get("client_token").asText();
        long rowsBefore = tokenRows();
        assertTrue(feed.caughtUp(Duration.ofSeconds(60)), "this node has heard of its own writes");
        call("GET", "auth/token/lookup-self", parent, null); // the live tokens cached: the baseline
        long cachedBefore = tokens.cachedEntries();
        List<String> shortLived = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            // half children of a long-lived parent (child links), half orphans
            Reply r = call("POST", i % 2 == 0 ? "auth/token/create" : "auth/token/create-orphan",
                    i % 2 == 0 ? parent : root, "{\"ttl\":\"2s\",\"policies\":[\"default\"]}");
            assertEquals(200, r.status(), () -> String.valueOf(r.json()));
            shortLived.add(r.json().get("auth").get("client_token").asText());
        }
        assertTrue(tokenRows() >= rowsBefore + 2_000 * 3, "token, accessor and expiry marker per token");
        assertEquals(200, call("GET", "auth/token/lookup-self", shortLived.get(0), null).status());

        clock.advance(Duration.ofMinutes(2));
        assertEquals(2_000, sweeper.sweepNow());
        assertEquals(rowsBefore, tokenRows(), "token rows back to the baseline");
        assertTrue(feed.caughtUp(Duration.ofSeconds(60)), "this node has heard of its own writes"); // ≈ 12,000 notifications to hear
        assertTrue(tokens.cachedEntries() <= cachedBefore, "cache entries back to the baseline (or below)");
        assertEquals(403, call("GET", "auth/token/lookup-self", shortLived.get(1), null).status());
        assertEquals(200, call("GET", "auth/token/lookup-self", parent, null).status(), "the parent lives on");
        assertEquals(0, sweeper.sweepNow(), "nothing left to sweep");
    }

    @Test
    void aRenewedTokenSurvivesTheSweepOfItsOldMinuteAndTidyIsAccepted() throws Exception {
        String token = call("POST", "auth/token/create", root, "{\"ttl\":\"90s\",\"renewable\":true}").json()
                .get("auth").get("client_token").asText();
        clock.advance(Duration.ofSeconds(60));
        assertEquals(200, call("POST", "auth/token/renew-self", token, "{\"increment\":\"1h\"}").status());
        clock.advance(Duration.ofMinutes(5));
        sweeper.sweepNow();
        assertEquals(200, call("GET", "auth/token/lookup-self", token, null).status());
        Reply tidy = call("POST", "auth/token/tidy", root, null);
        assertEquals(202, tidy.status());
        assertTrue(tidy.json().get("warnings").get(0).asText().startsWith("Tidy operation successfully started"));
    }
}
