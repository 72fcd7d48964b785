package io.custos.broker.http;

import io.custos.broker.barrier.SealedException;
import io.custos.broker.mount.AuthMountTable;
import io.custos.broker.mount.BuiltinBackend;
import io.custos.broker.mount.MountEntry;
import io.custos.broker.mount.MountTable;
import io.custos.broker.seal.Core;
import io.custos.engine.sdk.Backend;
import io.custos.engine.sdk.PathSpec;
import io.custos.engine.sdk.SecretsEngine;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The router's table: the built-in mounts (the longest mount path first) and, once unsealed, the
 * auth methods and secrets engines mounted at run time. A path resolves to its mount and the
 * declaration serving the rest of it.
 */
@Singleton
class RouteTable {
    private final Core core;
    private final List<BuiltinBackend> builtins;
    private final MountTable mounts;
    private final AuthMountTable authMounts;

    RouteTable(Core core, List<BuiltinBackend> builtins, MountTable mounts, AuthMountTable authMounts) {
        this.core = core;
        List<BuiltinBackend> ordered = new ArrayList<>(builtins);
        ordered.sort(Comparator.comparing((BuiltinBackend b) -> b.mountPath().length()).reversed());
        this.builtins = List.copyOf(ordered); // the longest mount path wins: sys/wrapping/ before sys/
        this.mounts = mounts;
        this.authMounts = authMounts;
    }

    /** Where a request goes: the engine, its mount, the path below it and the declaration serving it (or null). */
    record Route(Backend engine, String mountType, MountEntry entry, boolean authMethod, String relative,
            PathSpec spec) {

        /** A secrets engine mounted at run time (its answers may carry leases), else null. */
        SecretsEngine secretsEngine() {
            return entry != null && !authMethod && engine instanceof SecretsEngine s ? s : null;
        }
    }

    boolean isSealed() {
        return core.isSealed();
    }

    /** Step 1: the built-in mount, else (once unsealed) the auth or secrets mount serving {@code path}. */
    Route resolve(String path) {
        for (BuiltinBackend b : builtins) {
            if (b.serves(path)) {
                return route(b, b.mountType(), null, false, remainder(path, b.mountPath()));
            }
        }
        if (core.isSealed()) {
            throw new SealedException();
        }
        if (path.startsWith("auth/")) {
            return authMounts.resolve(path.substring(5)).map(m -> route(m.engine(), m.entry().type(), m.entry(), true,
                    remainder(path, "auth/" + m.entry().path()))).orElse(null);
        }
        return mounts.resolve(path).map(m -> route(m.engine(), m.entry().type(), m.entry(), false,
                remainder(path, m.entry().path()))).orElse(null);
    }

    private static Route route(Backend engine, String type, MountEntry entry, boolean auth, String relative) {
        return new Route(engine, type, entry, auth, relative, engine.pathFor(relative));
    }

    private static String remainder(String path, String mountPath) {
        return path.length() >= mountPath.length() ? path.substring(mountPath.length()) : "";
    }
}
