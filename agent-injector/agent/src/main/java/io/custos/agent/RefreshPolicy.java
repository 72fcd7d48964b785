package io.custos.agent;

import java.time.Duration;
import java.time.Instant;

/**
 * When the agent acts, as pure functions of the time and a random draw in [0, 1) (so a test with a
 * fixed clock and draw checks them in microseconds):
 * <ul>
 * <li>a renewable lease is renewed after 2/3 of what remains (Vault's LifetimeWatcher);</li>
 * <li>its grace is 10–20 % of the lease: a renewal that comes back shorter than asked (the max TTL
 *     is near) or inside the grace means new credentials are fetched before it ends;</li>
 * <li>a non-renewable lease is fetched again at {@code lease_renewal_threshold} ± 0.05 of its life;</li>
 * <li>a certificate is re-issued at {@code lease_renewal_threshold} of its validity.</li>
 * </ul>
 */
public final class RefreshPolicy {
    private RefreshPolicy() {
    }

    /** When to renew a lease with {@code remaining} left. */
    public static Instant renewAt(Instant now, Duration remaining) {
        return now.plus(remaining.multipliedBy(2).dividedBy(3));
    }

    /** The grace of a lease of length {@code lease}: 10 % plus a random share of another 10 %. */
    public static Duration grace(Duration lease, double random) {
        return Duration.ofMillis((long) (lease.toMillis() * (0.10 + 0.10 * random)));
    }

    /** Whether a renewal answer means the lease cannot be kept much longer: new credentials are due. */
    public static boolean renewalExhausted(Duration asked, Duration got, Duration grace) {
        return got.compareTo(asked) < 0 || got.compareTo(grace) <= 0;
    }

    /** When to fetch new credentials for a lease ending at {@code end}: its grace before the end. */
    public static Instant refetchBefore(Instant end, Duration grace, Instant now) {
        Instant at = end.minus(grace);
        return at.isBefore(now) ? now : at;
    }

    /** When to fetch a non-renewable lease again: at threshold ± 0.05 of its life. */
    public static Instant refetchNonRenewable(Instant issued, Duration lease, double threshold, double random) {
        double share = Math.max(0.05, Math.min(0.99, threshold - 0.05 + 0.10 * random));
        return issued.plus(Duration.ofMillis((long) (lease.toMillis() * share)));
    }

    /** When a certificate valid from {@code notBefore} to {@code notAfter} is re-issued. */
    public static Instant certificateDue(Instant notBefore, Instant notAfter, double threshold) {
        long life = Duration.between(notBefore, notAfter).toMillis();
        return notBefore.plus(Duration.ofMillis((long) (life * threshold)));
    }

    /** The next backoff: doubled, jittered (±25 %), within [min, max]. */
    public static Duration backoff(Duration previous, Duration min, Duration max, double random) {
        Duration next = previous == null || previous.isZero() ? min : previous.multipliedBy(2);
        if (next.compareTo(max) > 0) {
            next = max;
        }
        long jittered = (long) (next.toMillis() * (0.75 + 0.5 * random));
        return Duration.ofMillis(Math.max(min.toMillis(), Math.min(max.toMillis(), jittered)));
    }
}
