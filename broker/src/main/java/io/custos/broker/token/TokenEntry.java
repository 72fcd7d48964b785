package io.custos.broker.token;

import java.util.List;
import java.util.Map;

/**
 * A stored token: everything but the token itself, which is kept only as a keyed hash (the
 * storage key). Safe to log and return: it has no secret field.
 */
public record TokenEntry(String accessor, List<String> policies, String displayName, String path,
        long creationTime, long ttlSeconds, Map<String, String> meta) {

    public boolean isRoot() {
        return policies.contains("root");
    }
}
