package io.custos.engine.sdk;

import java.time.Clock;
import java.util.Map;

/**
 * What an engine instance is given: the storage view of its mount (never the database), its
 * mount options, and the clock every expiry decision must use.
 */
public record EngineContext(String mountPath, StorageView storage, Map<String, String> options, Clock clock) {
}
