package io.custos.broker.token;

import java.util.List;
import java.util.Map;

/**
 * A stored token: everything but the token itself, which is kept only as a keyed hash (the
 * storage key). Safe to log and return: it has no secret field. Times are epoch seconds;
 * {@code expireTime} 0 means it never expires (root tokens); {@code numUses} 0 means unlimited; a
 * {@code periodSeconds} token is renewed to a full period each time, with no maximum but an explicit one.
 */
public record TokenEntry(String accessor, List<String> policies, String displayName, String path,
        long creationTime, long ttlSeconds, Map<String, String> meta, String parentAccessor, long expireTime,
        long explicitMaxTtlSeconds, long numUses, boolean renewable, long periodSeconds, List<String> boundCidrs,
        long lastRenewalTime, long maxTtlSeconds) {

    /** A token whose renewals are bounded only by its explicit max (else the system's). */
    public TokenEntry(String accessor, List<String> policies, String displayName, String path, long creationTime,
            long ttlSeconds, Map<String, String> meta, String parentAccessor, long expireTime,
            long explicitMaxTtlSeconds, long numUses, boolean renewable, long periodSeconds, List<String> boundCidrs,
            long lastRenewalTime) {
        this(accessor, policies, displayName, path, creationTime, ttlSeconds, meta, parentAccessor, expireTime,
                explicitMaxTtlSeconds, numUses, renewable, periodSeconds, boundCidrs, lastRenewalTime, 0);
    }

    /** A token never renewed. */
    public TokenEntry(String accessor, List<String> policies, String displayName, String path, long creationTime,
            long ttlSeconds, Map<String, String> meta, String parentAccessor, long expireTime,
            long explicitMaxTtlSeconds, long numUses, boolean renewable, long periodSeconds, List<String> boundCidrs) {
        this(accessor, policies, displayName, path, creationTime, ttlSeconds, meta, parentAccessor, expireTime,
                explicitMaxTtlSeconds, numUses, renewable, periodSeconds, boundCidrs, 0);
    }

    /** A token without network bounds. */
    public TokenEntry(String accessor, List<String> policies, String displayName, String path, long creationTime,
            long ttlSeconds, Map<String, String> meta, String parentAccessor, long expireTime,
            long explicitMaxTtlSeconds, long numUses, boolean renewable, long periodSeconds) {
        this(accessor, policies, displayName, path, creationTime, ttlSeconds, meta, parentAccessor, expireTime,
                explicitMaxTtlSeconds, numUses, renewable, periodSeconds, List.of());
    }

    /** A token without a period. */
    public TokenEntry(String accessor, List<String> policies, String displayName, String path, long creationTime,
            long ttlSeconds, Map<String, String> meta, String parentAccessor, long expireTime,
            long explicitMaxTtlSeconds, long numUses, boolean renewable) {
        this(accessor, policies, displayName, path, creationTime, ttlSeconds, meta, parentAccessor, expireTime,
                explicitMaxTtlSeconds, numUses, renewable, 0);
    }

    public TokenEntry {
        accessor = accessor == null ? "" : accessor;
        meta = meta == null ? Map.of() : meta;
        parentAccessor = parentAccessor == null ? "" : parentAccessor;
        policies = policies == null ? List.of() : policies;
        boundCidrs = boundCidrs == null ? List.of() : List.copyOf(boundCidrs);
    }

    /** The same token, usable only from {@code cidrs} (empty: from anywhere). */
    public TokenEntry withBoundCidrs(List<String> cidrs) {
        return new TokenEntry(accessor, policies, displayName, path, creationTime, ttlSeconds, meta, parentAccessor,
                expireTime, explicitMaxTtlSeconds, numUses, renewable, periodSeconds, cidrs, lastRenewalTime, maxTtlSeconds);
    }

    /** The same token with renewals bounded by {@code seconds} after creation (a role's or mount's max TTL). */
    public TokenEntry withMaxTtl(long seconds) {
        return new TokenEntry(accessor, policies, displayName, path, creationTime, ttlSeconds, meta, parentAccessor,
                expireTime, explicitMaxTtlSeconds, numUses, renewable, periodSeconds, boundCidrs, lastRenewalTime, seconds);
    }

    /** A batch token: sealed into the token itself, so it has no accessor (and no storage entry). */
    public boolean isBatch() {
        return accessor.isEmpty();
    }

    public boolean isRoot() {
        return policies.contains("root");
    }

    public boolean isExpired(long now) {
        return expireTime > 0 && now >= expireTime;
    }

    TokenEntry asOrphan() {
        return new TokenEntry(accessor, policies, displayName, path, creationTime, ttlSeconds, meta, "",
                expireTime, explicitMaxTtlSeconds, numUses, renewable, periodSeconds, boundCidrs, lastRenewalTime, maxTtlSeconds);
    }

    public TokenEntry renewed(long newTtlSeconds, long newExpireTime, long now) {
        return new TokenEntry(accessor, policies, displayName, path, creationTime, newTtlSeconds, meta, parentAccessor,
                newExpireTime, explicitMaxTtlSeconds, numUses, renewable, periodSeconds, boundCidrs, now, maxTtlSeconds);
    }

    TokenEntry withNumUses(long remaining) {
        return new TokenEntry(accessor, policies, displayName, path, creationTime, ttlSeconds, meta, parentAccessor,
                expireTime, explicitMaxTtlSeconds, remaining, renewable, periodSeconds, boundCidrs, lastRenewalTime, maxTtlSeconds);
    }
}
