package io.custos.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The refresh decisions, with a fixed instant and fixed random draws. */
class RefreshPolicyTest {
    private static final Instant T0 = Instant.parse("2026-12-01T12:00:00Z");

    @Test
    void renewableLeasesAreRenewedAfterTwoThirdsOfWhatRemains() {
        assertEquals(T0.plusSeconds(20), RefreshPolicy.renewAt(T0, Duration.ofSeconds(30)));
        assertEquals(T0.plusSeconds(2400), RefreshPolicy.renewAt(T0, Duration.ofHours(1)));
    }

    @Test
    void theGraceIsTenToTwentyPercent() {
        assertEquals(Duration.ofSeconds(360), RefreshPolicy.grace(Duration.ofHours(1), 0));
        assertEquals(Duration.ofSeconds(540), RefreshPolicy.grace(Duration.ofHours(1), 0.5));
        assertTrue(RefreshPolicy.grace(Duration.ofHours(1), 0.999).compareTo(Duration.ofSeconds(720)) < 0);
    }

    @Test
    void aShorterGrantOrOneInsideTheGraceMeansNewCredentials() {
        Duration grace = Duration.ofSeconds(2);
        assertFalse(RefreshPolicy.renewalExhausted(Duration.ofSeconds(10), Duration.ofSeconds(10), grace));
        assertTrue(RefreshPolicy.renewalExhausted(Duration.ofSeconds(10), Duration.ofSeconds(7), grace),
                "max TTL reached: the broker granted less than asked");
        assertTrue(RefreshPolicy.renewalExhausted(Duration.ofSeconds(2), Duration.ofSeconds(2), grace));
        assertEquals(T0.plusSeconds(5), RefreshPolicy.refetchBefore(T0.plusSeconds(7), grace, T0));
        assertEquals(T0, RefreshPolicy.refetchBefore(T0.plusSeconds(1), grace, T0), "never in the past");
    }

    @Test
    void nonRenewableLeasesAreFetchedAgainAtTheThresholdPlusOrMinusFivePercent() {
        Duration lease = Duration.ofSeconds(1000);
        assertEquals(T0.plusSeconds(850), RefreshPolicy.refetchNonRenewable(T0, lease, 0.9, 0));
        assertEquals(T0.plusSeconds(900), RefreshPolicy.refetchNonRenewable(T0, lease, 0.9, 0.5));
        assertEquals(T0.plusSeconds(949), RefreshPolicy.refetchNonRenewable(T0, lease, 0.9, 0.99));
    }

    @Test
    void certificatesAreReissuedAtTheThresholdOfTheirValidity() {
        assertEquals(T0.plusSeconds(90), RefreshPolicy.certificateDue(T0, T0.plusSeconds(100), 0.9));
    }

    @Test
    void backoffDoublesWithJitterWithinItsBounds() {
        Duration min = Duration.ofSeconds(1);
        Duration max = Duration.ofSeconds(10);
        Duration first = RefreshPolicy.backoff(Duration.ZERO, min, max, 0.5);
        assertEquals(Duration.ofSeconds(1), first);
        assertEquals(Duration.ofSeconds(2), RefreshPolicy.backoff(first, min, max, 0.5));
        assertEquals(Duration.ofSeconds(10), RefreshPolicy.backoff(Duration.ofSeconds(8), min, max, 0.99));
        assertEquals(Duration.ofMillis(7500), RefreshPolicy.backoff(Duration.ofSeconds(8), min, max, 0));
    }
}
