package io.custos.broker.audit;

import io.custos.broker.barrier.AesGcm;
import io.custos.broker.barrier.BarrierStorage;
import io.custos.broker.barrier.SealListener;
import io.custos.broker.storage.ChangeListener;
import io.custos.engine.sdk.EngineException;
import io.custos.engine.sdk.Json;
import io.micronaut.context.exceptions.ConfigurationException;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit devices a node writes to: those of the server configuration, then those enabled
 * through {@code sys/audit/:path}, whose table is stored behind the barrier ({@code core/audit})
 * so they survive restarts and apply on every broker (each opens the file on its own host; the
 * change feed tells the others). Each device has two keys behind the barrier, created once across
 * brokers: its HMAC key and its chain key. Disabling a device keeps its keys, so its file can
 * still be verified and a device enabled again under the same name continues the file's chain.
 */
@Singleton
public class AuditDevices implements SealListener, ChangeListener {
    private static final Logger LOG = LoggerFactory.getLogger(AuditDevices.class);
    static final String KEY_PREFIX = "core/audit/";
    static final String TABLE = "core/audit";

    /** One stored row of the table. */
    record Row(String path, String type, String description, Map<String, String> options, boolean local) {
    }

    /** A device in use: its declaration, its open file and its keys. */
    record Active(AuditDeviceSpec spec, FileAuditDevice device, byte[] hmacKey, byte[] chainKey) {
        String name() {
            return spec.path();
        }
    }

    private final List<AuditDeviceSpec> configured = new ArrayList<>();
    private final BarrierStorage storage;
    private final Clock clock;
    private final Consumer<AuditChain.Checkpoint> checkpoints;
    /** Null while sealed. */
    private volatile List<Active> active;

    public AuditDevices(List<AuditDeviceConfiguration> configs, BarrierStorage storage, Clock clock) {
        this.storage = storage;
        this.clock = clock;
        this.checkpoints = this::storeCheckpoint;
        for (AuditDeviceConfiguration c : configs) {
            AuditDeviceSpec spec = AuditDeviceSpec.fromConfig(c);
            if (!"file".equals(c.getType())) {
                throw new ConfigurationException("custos.audit.devices." + c.getName() + ".type: only \"file\" exists");
            }
            if (c.getPath() == null || c.getPath().isBlank()) {
                throw new ConfigurationException("custos.audit.devices." + c.getName() + ".path is required");
            }
            try {
                FileAuditDevice.Fsync.parse(c.getFsync());
            } catch (IllegalArgumentException e) {
                throw new ConfigurationException("custos.audit.devices." + c.getName() + "." + e.getMessage());
            }
            configured.add(spec);
        }
    }

    @Override
    public int sealOrder() {
        return 30;
    }

    @Override
    public void onUnseal() {
        synchronized (this) {
            active = List.of();
        }
        reload();
    }

    /** Stores each device's last checkpoint while the barrier is still open, closes the files, forgets the keys. */
    @Override
    public synchronized void onSeal() {
        List<Active> a = active;
        active = null;
        if (a != null) {
            a.forEach(this::close);
        }
    }

    private void close(Active a) {
        a.device().checkpoint(checkpoints);
        a.device().close(); // forced to disk now; reopened (and its chain continued) when next used
        Arrays.fill(a.hmacKey(), (byte) 0);
        Arrays.fill(a.chainKey(), (byte) 0);
    }

    /** The devices in use, configured first; empty while sealed. */
    List<Active> active() {
        List<Active> a = active;
        return a == null ? List.of() : a;
    }

    boolean unsealed() {
        return active != null;
    }

    Optional<Active> find(String name) {
        String n = name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
        return active().stream().filter(a -> a.name().equals(n)).findFirst();
    }

    @Override
    public void changed(String path, boolean below) {
        if (path.equals(TABLE) || below && TABLE.startsWith(path)) {
            reload();
        }
    }

    @Override
    public void resynchronise() {
        reload();
    }

    /**
     * Re-reads the stored table: a device whose declaration is unchanged keeps its open file; a
     * new one gets its keys; one that is gone is checkpointed and closed. Nothing while sealed.
     */
    synchronized void reload() {
        List<Active> current = active;
        if (current == null) {
            return;
        }
        List<AuditDeviceSpec> specs = new ArrayList<>(configured);
        specs.addAll(stored());
        List<Active> next = new ArrayList<>();
        List<Active> removed = new ArrayList<>(current);
        for (AuditDeviceSpec s : specs) {
            Active kept = current.stream().filter(a -> a.spec().equals(s)).findFirst().orElse(null);
            if (kept != null) {
                removed.remove(kept);
                next.add(kept);
            } else {
                next.add(new Active(s, s.open(clock), key(KEY_PREFIX + s.path() + "/hmac-key"),
                        key(KEY_PREFIX + s.path() + "/chain-key")));
            }
        }
        active = List.copyOf(next);
        removed.forEach(this::close);
    }

    /** The stored key, created once across brokers (a node that loses the race uses the winner's). */
    private byte[] key(String path) {
        byte[] key = storage.get(path).orElse(null);
        if (key == null) {
            byte[] fresh = AesGcm.randomKeyBytes();
            key = storage.compareAndPut(path, Optional.empty(), fresh) ? fresh : storage.get(path).orElseThrow();
        }
        return key;
    }

    private List<AuditDeviceSpec> stored() {
        List<AuditDeviceSpec> out = new ArrayList<>();
        storage.get(TABLE).ifPresent(b -> {
            for (Row r : Json.read(b, Row[].class)) {
                out.add(new AuditDeviceSpec(r.path(), r.type(), r.description(), r.options(), r.local(), false));
            }
        });
        return out;
    }

    /**
     * {@code PUT sys/audit/:path}: refuses a name or a file already in use, opens the device here
     * (its genesis line is the sanity check), then adds it to the stored table with a
     * compare-and-put, so two brokers enabling one name at once cannot both win.
     */
    public void enable(AuditDeviceSpec spec) {
        spec.checkFileForApi();
        checkFree(spec, active().stream().map(Active::spec).toList());
        FileAuditDevice probe = spec.open(clock);
        try {
            probe.start(key(KEY_PREFIX + spec.path() + "/chain-key"));
        } catch (IOException | RuntimeException e) {
            throw EngineException.badRequest("sanity check failed; unable to open \"" + spec.filePath()
                    + "\" for writing: " + e.getMessage());
        } finally {
            probe.close();
        }
        update(table -> {
            checkFree(spec, table);
            List<AuditDeviceSpec> next = new ArrayList<>(table);
            next.add(spec);
            return next;
        });
    }

    private void checkFree(AuditDeviceSpec spec, List<AuditDeviceSpec> in) {
        List<AuditDeviceSpec> all = new ArrayList<>(configured);
        all.addAll(in);
        for (AuditDeviceSpec s : all) {
            if (s.path().equals(spec.path())) {
                throw EngineException.badRequest("path already in use");
            }
            Path mine = spec.file();
            if (mine != null && mine.equals(s.file())) {
                throw EngineException.badRequest("file_path " + mine + " is already written by audit device \""
                        + s.path() + "\"");
            }
        }
    }

    /** {@code DELETE sys/audit/:path}; nothing to do (204, as Vault) when no such device was enabled. */
    public void disable(String rawName) {
        String name = rawName.endsWith("/") ? rawName.substring(0, rawName.length() - 1) : rawName;
        if (configured.stream().anyMatch(s -> s.path().equals(name))) {
            throw EngineException.badRequest("audit device \"" + name + "\" is declared in the server configuration "
                    + "(custos.audit.devices) and cannot be disabled through the API");
        }
        update(table -> table.stream().filter(s -> !s.path().equals(name)).toList());
    }

    private void update(UnaryOperator<List<AuditDeviceSpec>> change) {
        for (int attempt = 0; ; attempt++) {
            Optional<byte[]> before = storage.get(TABLE);
            List<AuditDeviceSpec> table = stored();
            List<AuditDeviceSpec> next = change.apply(table);
            if (next.equals(table)) {
                return;
            }
            List<Row> rows = next.stream()
                    .map(s -> new Row(s.path(), s.type(), s.description(), s.options(), s.local())).toList();
            if (storage.compareAndPut(TABLE, before, Json.write(rows))) {
                reload();
                return;
            }
            if (attempt > 50) {
                throw new IllegalStateException("the audit table kept changing under this update");
            }
        }
    }

    /** {@code sys/audit}: each device this node writes to, as Vault lists it. */
    public Map<String, Object> describe() {
        Map<String, Object> out = new LinkedHashMap<>();
        List<AuditDeviceSpec> specs = unsealed() ? active().stream().map(Active::spec).toList() : configured;
        specs.forEach(s -> out.put(s.path() + "/", s.describe()));
        return out;
    }

    boolean anyDeclared() {
        return !active().isEmpty();
    }

    void storeCheckpoint(AuditChain.Checkpoint c) {
        try {
            storage.put(checkpointPath(c.fileId()), Json.write(c));
        } catch (RuntimeException e) {
            // the line itself is on disk; a missing checkpoint only weakens detection of cut-off lines
            LOG.warn("cannot store an audit checkpoint for {}: {}", c.fileId(), e.getClass().getSimpleName());
        }
    }

    static String checkpointPath(String fileId) {
        return KEY_PREFIX + "checkpoints/" + fileId;
    }

    Optional<AuditChain.Checkpoint> checkpoint(String fileId) {
        return storage.get(checkpointPath(fileId)).map(b -> Json.read(b, AuditChain.Checkpoint.class));
    }

    @PreDestroy
    void shutdown() {
        List<Active> a = active;
        if (a != null) {
            a.forEach(x -> x.device().close());
        }
    }
}
