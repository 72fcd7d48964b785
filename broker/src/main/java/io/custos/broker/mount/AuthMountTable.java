package io.custos.broker.mount;

import io.custos.broker.barrier.BarrierStorage;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.util.List;

/**
 * The auth-method mount table ({@code core/auth}): methods such as AppRole mounted under
 * {@code auth/} by sys/auth. Paths here are relative to {@code auth/}; {@code token/} is built in.
 */
@Singleton
public class AuthMountTable extends MountTable {
    static final String STORAGE_PATH = "core/auth";

    public AuthMountTable(BarrierStorage storage, Clock clock) {
        super(storage, clock, STORAGE_PATH, "auth", List.of("token/"));
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
