package io.custos.broker.mount;

import com.fasterxml.jackson.core.type.TypeReference;
import io.custos.broker.barrier.BarrierStorage;
import io.custos.broker.barrier.SealListener;
import io.custos.broker.barrier.SealedException;
import io.custos.broker.crypto.Drbg;
import io.custos.engine.sdk.EngineContext;
import io.custos.engine.sdk.EngineException;
import io.custos.engine.sdk.EngineFactory;
import io.custos.engine.sdk.Json;
import io.custos.engine.sdk.SecretsEngine;
import io.custos.engine.sdk.SystemView;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.UUID;

/**
 * The secrets-engine mount table (stored behind the barrier at {@code core/mounts}) and the router
 * over it: a request path resolves to the longest mount path that prefixes it. Engine types are
 * discovered with {@link ServiceLoader}; each mount gets a storage view of its own prefix only.
 */
@Singleton
@io.micronaut.context.annotation.Primary
public class MountTable implements SealListener {
    static final String STORAGE_PATH = "core/mounts";
    private static final List<String> RESERVED = List.of("sys/", "auth/", "cubbyhole/", "identity/");
    private final String storagePath;
    private final List<String> reserved;

    /** A mount and its running engine instance. */
    public record Mounted(MountEntry entry, SecretsEngine engine) {
    }

    private final BarrierStorage storage;
    private final Clock clock;
    private final Map<String, EngineFactory> factories = new TreeMap<>();
    private volatile Map<String, Mounted> mounts;

    private SystemView systemView = SystemView.DEFAULTS;

    @jakarta.inject.Inject
    /** {@code system}: what engines may ask of the broker (password policies), as the SDK defines it. */
    public MountTable(BarrierStorage storage, Clock clock, SystemView system) {
        this(storage, clock, STORAGE_PATH, "secret", RESERVED);
        this.systemView = system;
    }

    /** A table of {@code kind} engines, persisted at {@code storagePath}, refusing the {@code reserved} paths. */
    protected MountTable(BarrierStorage storage, Clock clock, String storagePath, String kind, List<String> reserved) {
        this.storage = storage;
        this.clock = clock;
        this.storagePath = storagePath;
        this.reserved = reserved;
        ServiceLoader.load(EngineFactory.class, MountTable.class.getClassLoader()).forEach(f -> {
            if (f.kind().equals(kind)) {
                factories.put(f.type(), f);
            }
        });
    }

    @Override
    public int sealOrder() {
        return authMethods() ? 50 : 40; // auth methods after secrets engines (and sealed before them)
    }

    @Override
    public void onUnseal() {
        Map<String, Mounted> loaded = new LinkedHashMap<>();
        for (MountEntry e : loadEntries()) {
            loaded.put(e.path(), new Mounted(e, instantiate(e)));
        }
        mounts = loaded;
    }

    @Override
    public void onSeal() {
        Map<String, Mounted> m = mounts;
        mounts = null;
        if (m != null) {
            m.values().forEach(x -> x.engine().shutdown());
        }
    }

    /** The mount serving {@code path} (relative to /v1/), if any. */
    public Optional<Mounted> resolve(String path) {
        Map<String, Mounted> m = current();
        String candidate = path.endsWith("/") ? path : path + "/";
        int at = candidate.length();
        while (at > 0) {
            Mounted hit = m.get(candidate.substring(0, at));
            if (hit != null) {
                return Optional.of(hit);
            }
            at = candidate.lastIndexOf('/', at - 2) + 1;
        }
        return Optional.empty();
    }

    public List<MountEntry> list() {
        return mounted().stream().map(Mounted::entry).toList();
    }

    /** Every mount with its engine, ordered by path. */
    public List<Mounted> mounted() {
        List<Mounted> out = new ArrayList<>(current().values());
        out.sort(Comparator.comparing(m -> m.entry().path()));
        return out;
    }

    public Optional<MountEntry> get(String path) {
        return Optional.ofNullable(current().get(normalize(path))).map(Mounted::entry);
    }

    public MountEntry enable(String rawPath, String type, String description,
            Map<String, String> options, long defaultTtl, long maxTtl) {
        return enable(rawPath, type, description, options, defaultTtl, maxTtl, Map.of());
    }

    /** Whether this is the auth-method table (whose mounts have a token type). */
    public boolean authMethods() {
        return false;
    }

    public synchronized MountEntry enable(String rawPath, String type, String description,
            Map<String, String> options, long defaultTtl, long maxTtl, Map<String, Object> config) {
        String path = normalize(rawPath);
        validatePath(path);
        EngineFactory factory = factoryFor(type);
        Map<String, String> normalized = factory.validateOptions(options);
        for (String existing : current().keySet()) {
            if (existing.startsWith(path) || path.startsWith(existing)) {
                throw EngineException.badRequest("path is already in use at " + existing);
            }
        }
        MountEntry entry = new MountEntry(path, type, UUID.randomUUID().toString(),
                (authMethods() ? "auth_" : "") + type + "_" + HexFormat.of().formatHex(
                        Drbg.randomBytes(4)),
                description == null ? "" : description, normalized, defaultTtl, maxTtl,
                MountSettings.apply(Map.of(), config, authMethods()));
        checkTtls(defaultTtl, maxTtl);
        Map<String, Mounted> next = new LinkedHashMap<>(current());
        next.put(path, new Mounted(entry, instantiate(entry)));
        persist(next);
        mounts = next;
        return entry;
    }

    /** Unmounts and deletes every stored entry of the mount. */
    public synchronized void disable(String rawPath) {
        String path = normalize(rawPath);
        Mounted m = current().get(path);
        if (m == null) {
            return;
        }
        Map<String, Mounted> next = new LinkedHashMap<>(current());
        next.remove(path);
        persist(next);
        mounts = next;
        storage.deletePrefix(m.entry().storagePrefix());
        m.engine().shutdown();
    }

    public synchronized MountEntry tune(String rawPath, String description, Long defaultTtl, Long maxTtl,
            Map<String, String> options, Map<String, Object> config) {
        String path = normalize(rawPath);
        Mounted m = current().get(path);
        if (m == null) {
            throw EngineException.badRequest(missing(path));
        }
        MountEntry e = m.entry();
        Map<String, String> newOptions = e.options();
        if (options != null) {
            Map<String, String> merged = new LinkedHashMap<>(e.options());
            merged.putAll(options);
            if (!Objects.equals(merged.get("version"), e.options().get("version"))) {
                throw EngineException.badRequest("changing the version of an existing " + e.type()
                        + " mount is not supported");
            }
            newOptions = factoryFor(e.type()).validateOptions(merged);
        }
        MountEntry tuned = e.tuned(description != null ? description : e.description(),
                defaultTtl != null ? defaultTtl : e.defaultLeaseTtl(), maxTtl != null ? maxTtl : e.maxLeaseTtl(),
                newOptions, MountSettings.apply(e.settings(), config, authMethods()));
        checkTtls(tuned.defaultLeaseTtl(), tuned.maxLeaseTtl());
        Map<String, Mounted> next = new LinkedHashMap<>(current());
        next.put(path, new Mounted(tuned, m.engine()));
        persist(next);
        mounts = next;
        return tuned;
    }

    private static void checkTtls(long defaultTtl, long maxTtl) {
        if (maxTtl > 0 && defaultTtl > maxTtl) {
            throw EngineException.badRequest("default lease TTL greater than max lease TTL");
        }
    }

    /** Vault's text for a path where nothing is mounted (Terraform's provider matches on it). */
    public String missing(String path) {
        return "No secret engine mount at " + path;
    }

    /**
     * sys/remount: the mount moves to {@code rawTo} with its storage, accessor and settings; its
     * engine is started anew at the new path. The caller has revoked the mount's leases first.
     */
    public synchronized MountEntry move(String rawFrom, String rawTo) {
        String from = normalize(rawFrom);
        String to = normalize(rawTo);
        Mounted m = current().get(from);
        if (m == null) {
            throw EngineException.badRequest(missing(from));
        }
        validatePath(to);
        for (String existing : current().keySet()) {
            if (!existing.equals(from) && (existing.startsWith(to) || to.startsWith(existing))) {
                throw EngineException.badRequest("path already in use at " + existing);
            }
        }
        MountEntry moved = m.entry().movedTo(to);
        Map<String, Mounted> next = new LinkedHashMap<>(current());
        next.remove(from);
        next.put(to, new Mounted(moved, instantiate(moved)));
        persist(next);
        mounts = next;
        m.engine().shutdown();
        return moved;
    }

    public static String normalize(String path) {
        String p = path.startsWith("/") ? path.substring(1) : path;
        return p.endsWith("/") ? p : p + "/";
    }

    private void validatePath(String path) {
        if (path.equals("/")) {
            throw EngineException.badRequest("mount path cannot be empty");
        }
        for (String r : reserved) {
            if (path.startsWith(r) || r.startsWith(path)) {
                throw EngineException.badRequest("cannot mount at reserved path " + r);
            }
        }
    }

    private EngineFactory factoryFor(String type) {
        EngineFactory f = factories.get(type == null ? "" : type);
        if (f == null) {
            throw EngineException.badRequest("plugin not found in the catalog: " + type);
        }
        return f;
    }

    private SecretsEngine instantiate(MountEntry e) {
        return factoryFor(e.type()).create(new EngineContext(e.path(), storage.sub(e.storagePrefix()),
                e.options(), clock, systemView));
    }

    private List<MountEntry> loadEntries() {
        return storage.get(storagePath).map(b -> {
            try {
                return Json.MAPPER.readValue(b, new TypeReference<List<MountEntry>>() { });
            } catch (IOException ex) {
                throw new UncheckedIOException("mount table is unreadable", ex);
            }
        }).orElse(List.of());
    }

    private void persist(Map<String, Mounted> table) {
        storage.put(storagePath, Json.write(table.values().stream().map(Mounted::entry).toList()));
    }

    private Map<String, Mounted> current() {
        Map<String, Mounted> m = mounts;
        if (m == null) {
            throw new SealedException();
        }
        return m;
    }
}
