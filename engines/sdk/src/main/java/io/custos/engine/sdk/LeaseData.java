package io.custos.engine.sdk;

import java.time.Instant;
import java.util.Map;

/**
 * A lease as its engine sees it when asked to renew, revoke or roll it back: the id, the request
 * path that created it, the engine's own internal data (stored encrypted, e.g. the database user
 * to drop), and its times. {@code toString} never shows the internal data.
 */
public record LeaseData(String id, String path, Map<String, Object> internal, Instant issueTime,
        Instant expireTime) {

    public LeaseData {
        internal = Map.copyOf(internal);
    }

    public String string(String key) {
        Object v = internal.get(key);
        return v == null ? null : v.toString();
    }

    /** The same lease, expiring at {@code newExpiry} (what a renewal asks the engine to enforce). */
    public LeaseData expiringAt(Instant newExpiry) {
        return new LeaseData(id, path, internal, issueTime, newExpiry);
    }

    @Override
    public String toString() {
        return "LeaseData[" + id + ", expires " + expireTime + "]";
    }
}
