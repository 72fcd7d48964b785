package io.custos.broker.mount;

import io.custos.broker.barrier.BarrierStorage;
import io.custos.engine.sdk.EngineFactory;
import io.custos.engine.sdk.SecretsEngine;
import io.custos.engine.sdk.SystemView;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * The secrets-engine mount table ({@code core/mounts}), mounted by sys/mounts. Engine types are
 * the {@link EngineFactory} implementations on the class path.
 */
@Singleton
public class MountTable extends Mounts<SecretsEngine> {
    static final String STORAGE_PATH = "core/mounts";
    private static final List<String> RESERVED = List.of("sys/", "auth/", "cubbyhole/", "identity/");

    /** {@code system}: what engines may ask of the broker (password policies), as the SDK defines it. */
    public MountTable(BarrierStorage storage, Clock clock, SystemView system) {
        super(storage, clock, system, STORAGE_PATH, RESERVED, factories());
    }

    private static Map<String, Factory<SecretsEngine>> factories() {
        Map<String, Factory<SecretsEngine>> out = new HashMap<>();
        for (EngineFactory f : ServiceLoader.load(EngineFactory.class, MountTable.class.getClassLoader())) {
            out.put(f.type(), new Factory<>(f::validateOptions, f::create));
        }
        return out;
    }

    @Override
    public int sealOrder() {
        return 40;
    }

    @Override
    public boolean authMethods() {
        return false;
    }

    @Override
    public String missing(String path) {
        return "No secret engine mount at " + path;
    }
}
