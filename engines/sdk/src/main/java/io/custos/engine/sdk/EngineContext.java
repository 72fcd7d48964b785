package io.custos.engine.sdk;

import java.time.Clock;
import java.util.Map;

/**
 * What an engine instance is given: the storage view of its mount (never the database), its
 * mount options, the clock every expiry decision must use, and the broker's services.
 */
public record EngineContext(String mountPath, StorageView storage, Map<String, String> options, Clock clock,
        SystemView system) {

    public EngineContext(String mountPath, StorageView storage, Map<String, String> options, Clock clock) {
        this(mountPath, storage, options, clock, SystemView.DEFAULTS);
    }
}
