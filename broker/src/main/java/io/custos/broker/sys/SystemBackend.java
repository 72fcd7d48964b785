package io.custos.broker.sys;

import static io.custos.engine.sdk.Operation.READ;

import io.custos.broker.BuildInfo;
import io.custos.broker.lease.LeaseBackend;
import io.custos.broker.mount.AuthMountTable;
import io.custos.broker.mount.BuiltinBackend;
import io.custos.broker.mount.MountTable;
import io.custos.broker.mount.Mounts;
import io.custos.engine.sdk.FrameworkBackend;
import io.custos.engine.sdk.OpenApiDocument;
import io.custos.engine.sdk.PathSpec;
import io.custos.engine.sdk.Response;
import io.micronaut.context.BeanProvider;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code sys/} backend: initialisation, seal and unseal, health, mounts, and barrier key
 * rotation, declared with the same path framework as engines so it gets the same validation.
 */
@Singleton
public class SystemBackend extends FrameworkBackend implements BuiltinBackend {
    private final LeaseBackend leaseBackend;
    private final List<SystemPathFamily> families;
    private final MountTable mounts;
    private final AuthMountTable authMounts;
    private final BeanProvider<BuiltinBackend> builtins;

    /** {@code families}: seal, policies, audit, keyring, mounts, tools; the lease paths are the lease backend's. */
    public SystemBackend(LeaseBackend leaseBackend, List<SystemPathFamily> families, MountTable mounts,
            AuthMountTable authMounts, BeanProvider<BuiltinBackend> builtins) {
        this.leaseBackend = leaseBackend;
        List<SystemPathFamily> sorted = new ArrayList<>(families);
        sorted.sort(Comparator.comparing(f -> f.getClass().getSimpleName()));
        this.families = List.copyOf(sorted);
        this.mounts = mounts;
        this.authMounts = authMounts;
        this.builtins = builtins;
    }

    @Override
    public String mountPath() {
        return "sys/";
    }

    @Override
    public String mountType() {
        return "system";
    }

    /** The contract of every path this server serves right now: sys/ and each mount's engine. */
    public Map<String, Object> openApi() {
        Map<String, List<PathSpec>> byMount = new LinkedHashMap<>();
        builtins.stream().sorted(Comparator.comparing(b -> openApiOrder(b.mountPath())))
                .forEach(b -> byMount.put(b.mountPath(), b.paths()));
        for (Mounts.Mounted<?> m : mounts.mounted()) {
            byMount.put(m.entry().path(), m.engine().paths());
        }
        for (Mounts.Mounted<?> m : authMounts.mounted()) {
            byMount.put("auth/" + m.entry().path(), m.engine().paths());
        }
        return OpenApiDocument.build("Custos HTTP API", BuildInfo.VERSION, byMount);
    }

    /** The built-in mounts in the document's historical order (sys/, sys/wrapping/, auth/token/, cubbyhole/). */
    private static String openApiOrder(String mountPath) {
        int i = List.of("sys/", "sys/wrapping/", "auth/token/", "cubbyhole/").indexOf(mountPath);
        return (i < 0 ? "9" : Integer.toString(i)) + mountPath;
    }

    @Override
    protected List<PathSpec> declarePaths() {
        List<PathSpec> out = new ArrayList<>(leaseBackend.paths()); // sys/leases/..., sys/renew, sys/revoke...
        families.forEach(f -> out.addAll(f.paths()));
        out.addAll(List.of(
                PathSpec.path("internal/specs/openapi")
                        .on(READ, (r, d) -> Response.of(openApi()))
                        .help("The OpenAPI document of this server's paths, generated from their declarations.", "")
                        .rawResponse()
                        .build()));
        return out;
    }
}
