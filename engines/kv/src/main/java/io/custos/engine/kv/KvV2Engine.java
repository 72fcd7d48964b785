package io.custos.engine.kv;

import static io.custos.engine.sdk.Operation.DELETE;
import static io.custos.engine.sdk.Operation.LIST;
import static io.custos.engine.sdk.Operation.PATCH;
import static io.custos.engine.sdk.Operation.READ;
import static io.custos.engine.sdk.Operation.UPDATE;

import io.custos.engine.kv.KeyMetadata.VersionMetadata;
import io.custos.engine.sdk.DecodedCache;
import io.custos.engine.sdk.EngineContext;
import io.custos.engine.sdk.EngineException;
import io.custos.engine.sdk.Field;
import io.custos.engine.sdk.FieldData;
import io.custos.engine.sdk.FieldType;
import io.custos.engine.sdk.FrameworkEngine;
import io.custos.engine.sdk.GoDuration;
import io.custos.engine.sdk.Json;
import io.custos.engine.sdk.MergePatch;
import io.custos.engine.sdk.PathSpec;
import io.custos.engine.sdk.Request;
import io.custos.engine.sdk.Response;
import io.custos.engine.sdk.StorageView;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Vault's KV version 2 engine: versioned secrets with check-and-set, soft delete, undelete,
 * destroy, per-key metadata and automatic version pruning. Field names, defaults, status codes
 * and error texts follow Vault's so its clients work unchanged.
 *
 * <p>Storage layout below the mount: {@code config}; {@code metadata/<path>} (settings and version
 * states, no secret data); {@code versions/<sha256(path)>/<n>} (one entry, hence one data key, per
 * version). A write to a key is a transaction on its metadata ({@link Tx}): read, change, and commit
 * with compare-and-put — PostgreSQL picks one winner among writers on every broker, the others read
 * again and retry; version data is claimed before the commit (insert-if-absent) and old data deleted
 * only after it.
 */
final class KvV2Engine extends FrameworkEngine {

    /** Keys whose decoded metadata is kept per mount at most. */
    private static final int DECODED_ENTRIES = 100_000;

    private final StorageView storage;
    private final Clock clock;
    /** Decoded key metadata (never secret values), read-only once decoded; writes go through {@link #storage}. */
    private final DecodedCache decoded;

    KvV2Engine(EngineContext context) {
        this.decoded = new DecodedCache(context.storage(), context.system(), DECODED_ENTRIES);
        this.storage = decoded.view(); // every write through the engine drops what it changes, at once
        this.clock = context.clock();
    }

    /** An entry changed on some broker ("": anything may have): its decoded metadata is dropped. */
    @Override
    public void invalidate(String key) {
        decoded.invalidate(key);
    }

    private static final Field VERSIONS = Field.of("versions", FieldType.INT_LIST,
            "The versions to act on.");
    private static final Field MAX_VERSIONS = Field.of("max_versions", FieldType.INT,
            "The number of versions to keep; 0 means the mount's setting (default 10).");
    private static final Field CAS_REQUIRED = Field.of("cas_required", FieldType.BOOL,
            "If true, every write must carry the check-and-set option.");
    private static final Field DELETE_VERSION_AFTER = Field.of("delete_version_after", FieldType.DURATION,
            "How long after creation a version is soft-deleted; 0s keeps versions forever.");

    @Override
    protected List<PathSpec> declarePaths() {
        return List.of(
                PathSpec.path("config")
                        .fields(MAX_VERSIONS, CAS_REQUIRED, DELETE_VERSION_AFTER)
                        .on(READ, (r, d) -> readConfig())
                        .on(UPDATE, (r, d) -> writeConfig(d))
                        .help("Configures settings for the KV store.", "Defaults for every key on this mount.")
                        .build(),
                PathSpec.path("data/(?P<path>.+)")
                        .fields(Field.of("data", FieldType.MAP, "The secret's key/value pairs.").asSensitive(),
                                Field.of("options", FieldType.MAP, "Write options such as cas."),
                                Field.of("version", FieldType.INT, "The version to read; 0 is the latest."))
                        .existenceCheck((r, d) -> loadMetadata(d.getString("path")) != null)
                        .on(READ, (r, d) -> readData(d))
                        .nonBlocking(READ, (r, d) -> true) // a read changes nothing: cached metadata and ciphertext
                        .on(UPDATE, (r, d) -> writeData(d))
                        .on(PATCH, (r, d) -> patchData(d))
                        .on(DELETE, (r, d) -> deleteLatest(d))
                        .help("Writes, patches, reads and deletes versioned secret data.", "")
                        .build(),
                PathSpec.path("delete/(?P<path>.+)")
                        .fields(VERSIONS)
                        .on(UPDATE, (r, d) -> changeVersions(d, this::softDelete))
                        .help("Soft-deletes versions; undelete restores them.", "")
                        .build(),
                PathSpec.path("undelete/(?P<path>.+)")
                        .fields(VERSIONS)
                        .on(UPDATE, (r, d) -> changeVersions(d, this::undelete))
                        .help("Restores soft-deleted versions.", "")
                        .build(),
                PathSpec.path("destroy/(?P<path>.+)")
                        .fields(VERSIONS)
                        .on(UPDATE, (r, d) -> changeVersions(d, this::destroy))
                        .help("Permanently removes the data of versions.", "")
                        .build(),
                PathSpec.path("metadata/?(?P<path>.*)")
                        .fields(MAX_VERSIONS, CAS_REQUIRED, DELETE_VERSION_AFTER,
                                Field.of("custom_metadata", FieldType.STRING_MAP,
                                        "User-defined string key/value pairs (not secret)."))
                        .existenceCheck((r, d) -> loadMetadata(d.getString("path")) != null)
                        .on(READ, (r, d) -> readMetadata(d))
                        .nonBlocking(READ, (r, d) -> true)
                        .on(UPDATE, (r, d) -> writeMetadata(d, false))
                        .on(PATCH, (r, d) -> writeMetadata(d, true))
                        .on(DELETE, (r, d) -> deleteMetadata(d))
                        .on(LIST, (r, d) -> listKeys(d))
                        .help("Reads, configures, lists and deletes keys and all their versions.", "")
                        .build(),
                PathSpec.path("subkeys/(?P<path>.+)")
                        .fields(Field.of("version", FieldType.INT, "The version to read; 0 is the latest."),
                                Field.of("depth", FieldType.INT, "How deep to descend; 0 is unlimited."))
                        .on(READ, (r, d) -> readSubkeys(d))
                        .nonBlocking(READ, (r, d) -> true)
                        .help("Shows a secret's key structure with every value replaced by null.", "")
                        .build());
    }

    /**
     * For writes and patches of {@code data/}, the secret's own fields: a policy can then allow,
     * deny or require keys of the secret itself (Vault can only see {@code data} and {@code options}).
     */
    @Override
    @SuppressWarnings("unchecked")
    public Map<String, Object> policyParameters(Request request) {
        if (request.path().startsWith("data/") && request.data().get("data") instanceof Map<?, ?> data) {
            return (Map<String, Object>) data;
        }
        return request.data();
    }

    // ---- config

    private KvConfig loadConfig() {
        return storage.get("config").map(b -> Json.read(b, KvConfig.class)).orElseGet(KvConfig::new);
    }

    private Response readConfig() {
        KvConfig c = loadConfig();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("cas_required", c.casRequired);
        out.put("delete_version_after", GoDuration.format(Duration.ofSeconds(c.deleteVersionAfterSeconds)));
        out.put("max_versions", c.maxVersions);
        return Response.of(out);
    }

    private Response writeConfig(FieldData d) {
        KvConfig c = loadConfig();
        if (d.has("max_versions")) {
            c.maxVersions = nonNegative("max_versions", d.getLong("max_versions"));
        }
        if (d.has("cas_required")) {
            c.casRequired = d.getBool("cas_required");
        }
        if (d.has("delete_version_after")) {
            c.deleteVersionAfterSeconds = Math.max(0, d.getDuration("delete_version_after").toSeconds());
        }
        storage.put("config", Json.write(c));
        return null;
    }

    // ---- data

    private Response readData(FieldData d) {
        String path = key(d);
        KeyMetadata meta = loadMetadata(path);
        if (meta == null) {
            return null;
        }
        long version = d.getLong("version") == 0 ? meta.currentVersion : d.getLong("version");
        VersionMetadata vm = meta.versions.get(version);
        if (vm == null) {
            return null;
        }
        Map<String, Object> out = new LinkedHashMap<>();
        if (isDeleted(vm) || vm.destroyed) {
            out.put("data", null);
            out.put("metadata", versionMetadata(meta, version, vm));
            return Response.withStatus(404, out);
        }
        Map<String, Object> stored = storage.get(MetadataTx.dataKey(path, version, vm)).map(Json::readMap).orElse(null);
        if (stored == null) {
            return null;
        }
        out.put("data", stored.get("data"));
        out.put("metadata", versionMetadata(meta, version, vm));
        return Response.of(out);
    }

    private Response writeData(FieldData d) {
        KvV1Engine.requireWritableKey(d.getString("path"));
        String path = key(d);
        Map<String, Object> data = requireData(d);
        Long cas = casOption(d);
        return MetadataTx.transact(storage, path, tx -> {
            KeyMetadata meta = tx.meta != null ? tx.meta : new KeyMetadata();
            checkCas(meta, cas);
            return Response.of(addVersion(tx, meta, data));
        });
    }

    private Response patchData(FieldData d) {
        KvV1Engine.requireWritableKey(d.getString("path"));
        String path = key(d);
        Map<String, Object> patch = requireData(d);
        Long cas = casOption(d);
        return MetadataTx.transact(storage, path, tx -> {
            KeyMetadata meta = tx.meta;
            VersionMetadata current = meta == null ? null : meta.versions.get(meta.currentVersion);
            if (current == null || isDeleted(current) || current.destroyed) {
                // as Vault: nothing to patch is a 404 with no error text (clients test for ErrSecretNotFound)
                throw new EngineException(404, "");
            }
            checkCas(meta, cas);
            Map<String, Object> stored = storage.get(MetadataTx.dataKey(path, meta.currentVersion, current))
                    .map(Json::readMap).orElseThrow(() -> EngineException.notFound("no data at the current version"));
            @SuppressWarnings("unchecked")
            Map<String, Object> merged = (Map<String, Object>) MergePatch.apply(stored.get("data"), patch);
            return Response.of(addVersion(tx, meta, merged));
        });
    }

    private Response deleteLatest(FieldData d) {
        String path = key(d);
        return MetadataTx.transact(storage, path, tx -> {
            KeyMetadata meta = tx.meta;
            if (meta == null || meta.currentVersion == 0) {
                return null;
            }
            VersionMetadata vm = meta.versions.get(meta.currentVersion);
            if (vm != null) {
                softDelete(tx, meta.currentVersion, vm);
                tx.save(meta);
            }
            return null;
        });
    }

    private static Map<String, Object> requireData(FieldData d) {
        Map<String, Object> data = d.getAs("data");
        if (data == null) {
            throw EngineException.badRequest("no data provided");
        }
        return data;
    }

    private Long casOption(FieldData d) {
        Map<String, Object> options = d.getAs("options");
        if (options == null || options.get("cas") == null) {
            return null;
        }
        return (Long) FieldType.INT.decode("options.cas", options.get("cas"));
    }

    private void checkCas(KeyMetadata meta, Long cas) {
        boolean required = meta.casRequired || loadConfig().casRequired;
        if (cas == null) {
            if (required) {
                throw EngineException.badRequest("check-and-set parameter required for this call");
            }
            return;
        }
        if (cas != meta.currentVersion) {
            throw EngineException.badRequest("check-and-set parameter did not match the current version");
        }
    }

    private Map<String, Object> addVersion(MetadataTx tx, KeyMetadata meta, Map<String, Object> data) {
        KvConfig config = loadConfig();
        Instant now = clock.instant();
        long version = meta.currentVersion + 1;
        VersionMetadata vm = new VersionMetadata();
        vm.createdTime = now.toString();
        long dva = meta.deleteVersionAfterSeconds > 0 ? meta.deleteVersionAfterSeconds
                : config.deleteVersionAfterSeconds;
        if (dva > 0) {
            vm.deletionTime = now.plusSeconds(dva).toString();
        }
        Map<String, Object> stored = new LinkedHashMap<>();
        stored.put("data", data);
        // each attempt writes its data under a key of its own, named in the metadata it commits: a writer
        // that loses the commit leaves nothing another writer's version could be mistaken for
        vm.dataKey = MetadataTx.versionKey(tx.path, version) + "-" + MetadataTx.randomSuffix();
        tx.write(vm.dataKey, Json.write(stored));
        meta.versions.put(version, vm);
        meta.currentVersion = version;
        meta.updatedTime = vm.createdTime;
        if (meta.createdTime == null) {
            meta.createdTime = vm.createdTime;
        }
        pruneVersions(tx, meta, config);
        tx.save(meta);
        return versionMetadata(meta, version, vm);
    }

    private void pruneVersions(MetadataTx tx, KeyMetadata meta, KvConfig config) {
        long max = meta.maxVersions > 0 ? meta.maxVersions
                : config.maxVersions > 0 ? config.maxVersions : KvConfig.DEFAULT_MAX_VERSIONS;
        boolean pruned = false;
        while (meta.versions.size() > max) {
            long oldest = meta.versions.firstKey();
            tx.deleteAfterCommit(MetadataTx.dataKey(tx.path, oldest, meta.versions.get(oldest)));
            meta.versions.remove(oldest);
            pruned = true;
        }
        if (pruned) {
            meta.oldestVersion = meta.versions.firstKey();
        }
    }

    // ---- delete / undelete / destroy

    @FunctionalInterface
    private interface VersionChange {
        void apply(MetadataTx tx, long version, VersionMetadata vm);
    }

    private Response changeVersions(FieldData d, VersionChange change) {
        String path = key(d);
        List<Long> versions = d.getAs("versions");
        if (versions == null || versions.isEmpty()) {
            throw EngineException.badRequest("no version number provided");
        }
        return MetadataTx.transact(storage, path, tx -> {
            KeyMetadata meta = tx.meta;
            if (meta == null) {
                return null;
            }
            for (long v : versions) {
                VersionMetadata vm = meta.versions.get(v);
                if (vm != null) {
                    change.apply(tx, v, vm);
                }
            }
            tx.save(meta);
            return null;
        });
    }

    private void softDelete(MetadataTx tx, long version, VersionMetadata vm) {
        if (!vm.destroyed && !isDeleted(vm)) {
            vm.deletionTime = clock.instant().toString();
        }
    }

    private void undelete(MetadataTx tx, long version, VersionMetadata vm) {
        if (!vm.destroyed) {
            vm.deletionTime = null;
        }
    }

    private void destroy(MetadataTx tx, long version, VersionMetadata vm) {
        tx.deleteAfterCommit(MetadataTx.dataKey(tx.path, version, vm));
        vm.destroyed = true;
    }

    // ---- metadata

    private Response readMetadata(FieldData d) {
        String path = key(d);
        KeyMetadata meta = loadMetadata(path);
        if (meta == null) {
            return null;
        }
        Map<String, Object> versions = new LinkedHashMap<>();
        meta.versions.forEach((v, vm) -> versions.put(Long.toString(v), vm.toApi()));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("cas_required", meta.casRequired);
        out.put("created_time", meta.createdTime);
        out.put("current_version", meta.currentVersion);
        out.put("custom_metadata", meta.customMetadata);
        out.put("delete_version_after", GoDuration.format(Duration.ofSeconds(meta.deleteVersionAfterSeconds)));
        out.put("max_versions", meta.maxVersions);
        out.put("oldest_version", meta.oldestVersion);
        out.put("updated_time", meta.updatedTime);
        out.put("versions", versions);
        return Response.of(out);
    }

    private Response writeMetadata(FieldData d, boolean patch) {
        String path = key(d);
        return MetadataTx.transact(storage, path, tx -> {
            KeyMetadata meta = tx.meta;
            if (meta == null) {
                if (patch) {
                    return null;
                }
                meta = new KeyMetadata();
                meta.createdTime = clock.instant().toString();
            }
            if (d.has("max_versions")) {
                meta.maxVersions = nonNegative("max_versions", d.getLong("max_versions"));
            }
            if (d.has("cas_required")) {
                meta.casRequired = d.getBool("cas_required");
            }
            if (d.has("delete_version_after")) {
                meta.deleteVersionAfterSeconds = Math.max(0, d.getDuration("delete_version_after").toSeconds());
            }
            if (d.has("custom_metadata")) {
                Map<String, String> given = d.getAs("custom_metadata");
                Map<String, String> next = new LinkedHashMap<>();
                if (patch && meta.customMetadata != null) {
                    next.putAll(meta.customMetadata);
                }
                next.putAll(given);
                next.values().removeIf(v -> v == null);
                KeyMetadata.validateCustom(next);
                meta.customMetadata = next;
            }
            meta.updatedTime = clock.instant().toString();
            pruneVersions(tx, meta, loadConfig());
            tx.save(meta);
            return null;
        });
    }

    private Response deleteMetadata(FieldData d) {
        String path = key(d);
        // the metadata goes first: a concurrent writer's commit then fails (the key is gone) and it
        // starts a new history; the versions it no longer references go after
        KeyMetadata meta = loadMetadata(path);
        if (meta != null) {
            storage.delete("metadata/" + path);
            meta.versions.forEach((v, vm) -> storage.delete(MetadataTx.dataKey(path, v, vm)));
        }
        return null;
    }

    private Response listKeys(FieldData d) {
        String prefix = d.getString("path");
        if (!prefix.isEmpty() && !prefix.endsWith("/")) {
            prefix = prefix + "/";
        }
        return Response.listOf(storage.list("metadata/" + prefix));
    }

    // ---- subkeys

    private Response readSubkeys(FieldData d) {
        Response read = readData(d);
        if (read == null || read.status() == 404) {
            return read;
        }
        long depth = d.getLong("depth");
        if (depth < 0) {
            throw EngineException.badRequest("depth must be a non-negative integer");
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("subkeys", subkeys(read.data().get("data"), depth, 1));
        out.put("metadata", read.data().get("metadata"));
        return Response.of(out);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> subkeys(Object value, long depth, int level) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (value instanceof Map<?, ?> m) {
            ((Map<String, Object>) m).forEach((k, v) -> out.put(k,
                    v instanceof Map<?, ?> && (depth == 0 || level < depth) ? subkeys(v, depth, level + 1) : null));
        }
        return out;
    }

    // ---- shared

    private static long nonNegative(String field, long v) {
        if (v < 0) {
            throw EngineException.badRequest(field + " must be a non-negative integer");
        }
        return v;
    }

    private static String key(FieldData d) {
        String path = d.getString("path");
        if (path.isEmpty() || path.endsWith("/")) {
            throw EngineException.badRequest("invalid key: a secret path cannot be empty or end with '/'");
        }
        return path;
    }

    private boolean isDeleted(VersionMetadata vm) {
        return vm.deletionTime != null && !Instant.parse(vm.deletionTime).isAfter(clock.instant());
    }

    private static Map<String, Object> versionMetadata(KeyMetadata meta, long version, VersionMetadata vm) {
        Map<String, Object> m = vm.toApi();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("created_time", m.get("created_time"));
        out.put("custom_metadata", meta.customMetadata);
        out.put("deletion_time", m.get("deletion_time"));
        out.put("destroyed", m.get("destroyed"));
        out.put("version", version);
        return out;
    }

    /** Shared and read-only: a change is read anew through {@link MetadataTx}, never made to this object. */
    private KeyMetadata loadMetadata(String path) {
        return decoded.get("metadata/" + path, b -> Json.read(b, KeyMetadata.class)).orElse(null);
    }

}
