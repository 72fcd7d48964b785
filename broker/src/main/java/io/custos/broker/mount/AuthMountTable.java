package io.custos.broker.mount;

import io.custos.broker.barrier.BarrierStorage;
import io.custos.engine.sdk.AuthMethod;
import io.custos.engine.sdk.AuthMethodFactory;
import io.custos.engine.sdk.SystemView;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * The auth-method mount table ({@code core/auth}): methods such as AppRole mounted under
 * {@code auth/} by sys/auth. Paths here are relative to {@code auth/}; {@code token/} is built in.
 * Method types are the {@link AuthMethodFactory} implementations on the class path.
 */
@Singleton
public class AuthMountTable extends Mounts<AuthMethod> {
    static final String STORAGE_PATH = "core/auth";

    public AuthMountTable(BarrierStorage storage, Clock clock) {
        super(storage, clock, SystemView.DEFAULTS, STORAGE_PATH, List.of("token/"), factories());
    }

    private static Map<String, Factory<AuthMethod>> factories() {
        Map<String, Factory<AuthMethod>> out = new HashMap<>();
        for (AuthMethodFactory f : ServiceLoader.load(AuthMethodFactory.class, AuthMountTable.class.getClassLoader())) {
            out.put(f.type(), new Factory<>(f::validateOptions, f::create));
        }
        return out;
    }

    @Override
    public int sealOrder() {
        return 50; // after the secrets engines (and sealed before them)
    }

    @Override
    public boolean authMethods() {
        return true;
    }

    @Override
    public String missing(String path) {
        return "No auth engine at " + path;
    }
}
