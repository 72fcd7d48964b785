package io.custos.broker.mount;

import com.fasterxml.jackson.core.type.TypeReference;
import io.custos.broker.barrier.BarrierStorage;
import io.custos.broker.barrier.SealListener;
import io.custos.broker.barrier.SealedException;
import io.custos.broker.storage.ChangeListener;
import io.custos.broker.crypto.Drbg;
import io.custos.engine.sdk.Backend;
import io.custos.engine.sdk.EngineContext;
import io.custos.engine.sdk.EngineException;
import io.custos.engine.sdk.Json;
import io.custos.engine.sdk.SystemView;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * A mount table (stored behind the barrier) and the resolution over it: a request path resolves
 * to the longest mount path that prefixes it. Types come from the SPI of the table's kind
 * ({@link MountTable}: secrets engines; {@link AuthMountTable}: auth methods); each mount gets a
 * storage view of its own prefix only.
 *
 * @param <B> what the table mounts
 */
public abstract class Mounts<B extends Backend> implements SealListener, ChangeListener {
    /** Compare-and-put rounds a change may lose to other brokers before it gives up (a 503). */
    private static final int MAX_ATTEMPTS = 20;
    private final String storagePath;
    private final List<String> reserved;

    /** A mount and its running instance. */
    public record Mounted<B extends Backend>(MountEntry entry, B engine) {
    }

    /** How the table validates a type's options and creates an instance: the SPI's two calls. */
    protected record Factory<B>(UnaryOperator<Map<String, String>> validateOptions,
            Function<EngineContext, B> create) {
    }

    private final BarrierStorage storage;
    private final Clock clock;
    private final SystemView systemView;
    private final Map<String, Factory<B>> factories;
    private volatile Map<String, Mounted<B>> mounts;

    /** A table persisted at {@code storagePath}, refusing the {@code reserved} paths, of these types. */
    protected Mounts(BarrierStorage storage, Clock clock, SystemView systemView, String storagePath,
            List<String> reserved, Map<String, Factory<B>> factories) {
        this.storage = storage;
        this.clock = clock;
        this.systemView = systemView;
        this.storagePath = storagePath;
        this.reserved = reserved;
        this.factories = new TreeMap<>(factories);
    }

    @Override
    public void onUnseal() {
        Map<String, Mounted<B>> loaded = new LinkedHashMap<>();
        for (MountEntry e : loadEntries()) {
            loaded.put(e.path(), new Mounted<>(e, instantiate(e)));
        }
        mounts = loaded;
    }

    @Override
    public void onSeal() {
        Map<String, Mounted<B>> m = mounts;
        mounts = null;
        if (m != null) {
            m.values().forEach(x -> x.engine().shutdown());
        }
    }

    /** The mount serving {@code path} (relative to /v1/), if any. */
    public Optional<Mounted<B>> resolve(String path) {
        Map<String, Mounted<B>> m = current();
        String candidate = path.endsWith("/") ? path : path + "/";
        int at = candidate.length();
        while (at > 0) {
            Mounted<B> hit = m.get(candidate.substring(0, at));
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
    public List<Mounted<B>> mounted() {
        List<Mounted<B>> out = new ArrayList<>(current().values());
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
    public abstract boolean authMethods();

    public MountEntry enable(String rawPath, String type, String description,
            Map<String, String> options, long defaultTtl, long maxTtl, Map<String, Object> config) {
        String path = normalize(rawPath);
        validatePath(path);
        Factory<B> factory = factoryFor(type);
        Map<String, String> normalized = factory.validateOptions().apply(options);
        MountEntry entry = new MountEntry(path, type, UUID.randomUUID().toString(),
                (authMethods() ? "auth_" : "") + type + "_" + HexFormat.of().formatHex(
                        Drbg.randomBytes(4)),
                description == null ? "" : description, normalized, defaultTtl, maxTtl,
                MountSettings.apply(Map.of(), config, authMethods()));
        checkTtls(defaultTtl, maxTtl);
        return update(table -> {
            for (String existing : table.keySet()) {
                if (existing.startsWith(path) || path.startsWith(existing)) {
                    throw EngineException.badRequest("path is already in use at " + existing);
                }
            }
            table.put(path, entry);
            return entry;
        });
    }

    /** Unmounts and deletes every stored entry of the mount. */
    public void disable(String rawPath) {
        String path = normalize(rawPath);
        MountEntry removed = update(table -> table.remove(path));
        if (removed != null) {
            storage.deletePrefix(removed.storagePrefix());
        }
    }

    public MountEntry tune(String rawPath, String description, Long defaultTtl, Long maxTtl,
            Map<String, String> options, Map<String, Object> config) {
        String path = normalize(rawPath);
        return update(table -> {
            MountEntry e = table.get(path);
            if (e == null) {
                throw EngineException.badRequest(missing(path));
            }
            MountEntry tuned = tuned(e, description, defaultTtl, maxTtl, options, config);
            table.put(path, tuned);
            return tuned;
        });
    }

    private MountEntry tuned(MountEntry e, String description, Long defaultTtl, Long maxTtl,
            Map<String, String> options, Map<String, Object> config) {
        Map<String, String> newOptions = e.options();
        if (options != null) {
            Map<String, String> merged = new LinkedHashMap<>(e.options());
            merged.putAll(options);
            if (!Objects.equals(merged.get("version"), e.options().get("version"))) {
                throw EngineException.badRequest("changing the version of an existing " + e.type()
                        + " mount is not supported");
            }
            newOptions = factoryFor(e.type()).validateOptions().apply(merged);
        }
        MountEntry tuned = e.tuned(description != null ? description : e.description(),
                defaultTtl != null ? defaultTtl : e.defaultLeaseTtl(), maxTtl != null ? maxTtl : e.maxLeaseTtl(),
                newOptions, MountSettings.apply(e.settings(), config, authMethods()));
        checkTtls(tuned.defaultLeaseTtl(), tuned.maxLeaseTtl());
        return tuned;
    }

    private static void checkTtls(long defaultTtl, long maxTtl) {
        if (maxTtl > 0 && defaultTtl > maxTtl) {
            throw EngineException.badRequest("default lease TTL greater than max lease TTL");
        }
    }

    /** Vault's text for a path where nothing is mounted (Terraform's provider matches on it). */
    public abstract String missing(String path);

    /**
     * A committed change (from any broker): the table itself is re-read; an entry of a mount's
     * storage goes to that mount's engine (the SDK's invalidation hook).
     */
    @Override
    public void changed(String path, boolean below) {
        if (path.equals(storagePath) || below && storagePath.startsWith(path)) {
            reload();
        }
        if (below) {
            Map<String, Mounted<B>> m = mounts;
            if (m != null) {
                m.values().stream().filter(x -> x.entry().storagePrefix().startsWith(path))
                        .forEach(x -> x.engine().invalidate(""));
            }
        }
        invalidate(path);
    }

    /** The feed was away: the table is re-read and every engine drops what it derived from storage. */
    @Override
    public void resynchronise() {
        reload();
        Map<String, Mounted<B>> m = mounts;
        if (m != null) {
            m.values().forEach(x -> x.engine().invalidate(""));
        }
    }

    /**
     * Re-reads the table (another broker mounted, tuned, moved or unmounted): a mount that is
     * still there keeps its running engine (with its settings updated); a new one starts; one that
     * is gone is shut down. Nothing happens while sealed.
     */
    synchronized void reload() {
        if (mounts != null) {
            adopt(loadEntries());
        }
    }

    /**
     * Runs these entries: a mount that is still there keeps its running engine (with its entry
     * updated); a new one starts; one that is gone is shut down.
     */
    private synchronized void adopt(Collection<MountEntry> entries) {
        Map<String, Mounted<B>> next = new LinkedHashMap<>();
        Map<String, Mounted<B>> byUuid = new LinkedHashMap<>();
        current().values().forEach(m -> byUuid.put(m.entry().uuid() + "@" + m.entry().path(), m));
        for (MountEntry e : entries) {
            Mounted<B> kept = byUuid.remove(e.uuid() + "@" + e.path());
            next.put(e.path(), kept != null ? new Mounted<>(e, kept.engine()) : new Mounted<>(e, instantiate(e)));
        }
        mounts = next;
        byUuid.values().forEach(m -> m.engine().shutdown());
    }

    /**
     * Changes the stored table atomically across brokers: the table is read from PostgreSQL itself,
     * {@code change} edits it (by path; a 400 it throws changes nothing), and it is written back
     * only if no broker wrote it meanwhile — else all again on what that broker wrote. So two
     * brokers mounting at once (Terraform applies in parallel, a load balancer spreads the calls)
     * both get their mounts, and one path is mounted once. This broker then runs the table written.
     */
    private synchronized <T> T update(Function<Map<String, MountEntry>, T> change) {
        current(); // sealed: refused before anything is read
        for (int attempt = 1; ; attempt++) {
            Optional<byte[]> stored = storage.getFresh(storagePath);
            Map<String, MountEntry> table = new LinkedHashMap<>();
            stored.map(Mounts::entries).orElse(List.of()).forEach(e -> table.put(e.path(), e));
            T result = change.apply(table);
            if (storage.compareAndPut(storagePath, stored, Json.write(List.copyOf(table.values())))) {
                adopt(table.values());
                return result;
            }
            if (attempt == MAX_ATTEMPTS) {
                throw new EngineException(503, "the mount table kept changing under this request; try again");
            }
        }
    }
    /**
     * A stored entry changed on another node: the mount whose storage holds {@code storageKey}
     * hears about it, with the key relative to its own storage view (the SDK's invalidation hook).
     */
    public void invalidate(String storageKey) {
        Map<String, Mounted<B>> m = mounts;
        if (m == null) {
            return;
        }
        for (Mounted<B> mounted : m.values()) {
            String prefix = mounted.entry().storagePrefix();
            if (storageKey.startsWith(prefix)) {
                mounted.engine().invalidate(storageKey.substring(prefix.length()));
            }
        }
    }

    /**
     * sys/remount: the mount moves to {@code rawTo} with its storage, accessor and settings; its
     * engine is started anew at the new path. The caller has revoked the mount's leases first.
     */
    public MountEntry move(String rawFrom, String rawTo) {
        String from = normalize(rawFrom);
        String to = normalize(rawTo);
        validatePath(to);
        return update(table -> {
            MountEntry e = table.get(from);
            if (e == null) {
                throw EngineException.badRequest(missing(from));
            }
            for (String existing : table.keySet()) {
                if (!existing.equals(from) && (existing.startsWith(to) || to.startsWith(existing))) {
                    throw EngineException.badRequest("path already in use at " + existing);
                }
            }
            MountEntry moved = e.movedTo(to);
            table.remove(from);
            table.put(to, moved);
            return moved;
        });
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

    private Factory<B> factoryFor(String type) {
        Factory<B> f = factories.get(type == null ? "" : type);
        if (f == null) {
            throw EngineException.badRequest("plugin not found in the catalog: " + type);
        }
        return f;
    }

    private B instantiate(MountEntry e) {
        return factoryFor(e.type()).create().apply(new EngineContext(e.path(), storage.sub(e.storagePrefix()),
                e.options(), clock, systemView));
    }

    private List<MountEntry> loadEntries() {
        return storage.get(storagePath).map(Mounts::entries).orElse(List.of());
    }

    private static List<MountEntry> entries(byte[] stored) {
        try {
            return Json.MAPPER.readValue(stored, new TypeReference<List<MountEntry>>() { });
        } catch (IOException ex) {
            throw new UncheckedIOException("mount table is unreadable", ex);
        }
    }

    private Map<String, Mounted<B>> current() {
        Map<String, Mounted<B>> m = mounts;
        if (m == null) {
            throw new SealedException();
        }
        return m;
    }
}
