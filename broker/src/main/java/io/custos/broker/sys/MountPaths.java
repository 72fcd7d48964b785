package io.custos.broker.sys;

import static io.custos.engine.sdk.Operation.DELETE;
import static io.custos.engine.sdk.Operation.READ;
import static io.custos.engine.sdk.Operation.UPDATE;

import io.custos.broker.barrier.BarrierStorage;
import io.custos.broker.config.LeaseConfiguration;
import io.custos.broker.lease.LeaseManager;
import io.custos.broker.mount.AuthMountTable;
import io.custos.broker.mount.MountEntry;
import io.custos.broker.mount.MountSettings;
import io.custos.broker.mount.MountTable;
import io.custos.broker.mount.Mounts;
import io.custos.broker.token.TokenCaller;
import io.custos.engine.sdk.EngineException;
import io.custos.engine.sdk.Field;
import io.custos.engine.sdk.FieldData;
import io.custos.engine.sdk.FieldType;
import io.custos.engine.sdk.Json;
import io.custos.engine.sdk.PathSpec;
import io.custos.engine.sdk.Response;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Predicate;

/**
 * The {@code sys/} paths over the two mount tables, in Vault's shapes: {@code mounts},
 * {@code auth} (each with {@code /:path} and {@code /:path/tune}), {@code remount} and its status,
 * and {@code internal/ui/mounts}. Missing mounts get Vault's texts ({@code No secret engine mount
 * at x/}, {@code No auth engine at x/}), which Terraform's provider matches on.
 */
@Singleton
public class MountPaths implements SystemPathFamily {
    private static final String REMOUNT_PREFIX = "core/remount/";

    private final MountTable mounts;
    private final AuthMountTable authMounts;
    private final LeaseManager leases;
    private final LeaseConfiguration leaseConfig;
    private final BarrierStorage storage;
    private final Clock clock;

    public MountPaths(MountTable mounts, AuthMountTable authMounts, LeaseManager leases,
            LeaseConfiguration leaseConfig, BarrierStorage storage, Clock clock) {
        this.mounts = mounts;
        this.authMounts = authMounts;
        this.leases = leases;
        this.leaseConfig = leaseConfig;
        this.storage = storage;
        this.clock = clock;
    }

    private static final List<Field> SETTING_FIELDS = List.of(
            Field.of(MountSettings.AUDIT_NON_HMAC_REQUEST_KEYS, FieldType.COMMA_STRING_LIST,
                    "Request keys audit devices log without HMAC."),
            Field.of(MountSettings.AUDIT_NON_HMAC_RESPONSE_KEYS, FieldType.COMMA_STRING_LIST,
                    "Response keys audit devices log without HMAC."),
            Field.of(MountSettings.LISTING_VISIBILITY, FieldType.STRING,
                    "unauth: listed by sys/internal/ui/mounts without a token; hidden or empty: not."),
            Field.of(MountSettings.PASSTHROUGH_REQUEST_HEADERS, FieldType.COMMA_STRING_LIST,
                    "Request headers passed to the engine (stored; Custos's engines read no headers)."),
            Field.of(MountSettings.ALLOWED_RESPONSE_HEADERS, FieldType.COMMA_STRING_LIST,
                    "Response headers an engine may set (stored; Custos's engines set none)."),
            Field.of(MountSettings.ALLOWED_MANAGED_KEYS, FieldType.COMMA_STRING_LIST,
                    "Managed keys the mount may use (stored; Custos has no managed keys)."),
            Field.of(MountSettings.DELEGATED_AUTH_ACCESSORS, FieldType.COMMA_STRING_LIST,
                    "Auth accessors allowed to delegate (stored)."),
            Field.of(MountSettings.IDENTITY_TOKEN_KEY, FieldType.STRING, "Identity token key (stored)."),
            Field.of("force_no_cache", FieldType.BOOL, "Only false: the cache is invalidated on every write."));

    private static List<Field> tuneFields(boolean auth) {
        List<Field> f = new ArrayList<>(List.of(
                Field.of("default_lease_ttl", FieldType.RAW, "Default lease TTL (a duration, seconds, or \"system\")."),
                Field.of("max_lease_ttl", FieldType.RAW, "Maximum lease TTL (a duration, seconds, or \"system\")."),
                Field.of("description", FieldType.STRING, "Description."),
                Field.of("options", FieldType.MAP, "Engine options."),
                Field.of("plugin_version", FieldType.STRING, "Accepted for compatibility; must be empty.")));
        f.addAll(SETTING_FIELDS);
        f.add(Field.of(MountSettings.TOKEN_TYPE, FieldType.STRING, auth
                ? "Tokens issued by logins: default-service, default-batch, service or batch."
                : "Auth mounts only (refused here)."));
        if (auth) {
            f.add(Field.of("user_lockout_config", FieldType.MAP, "Accepted for compatibility; not enforced."));
        }
        return f;
    }

    private static List<Field> enableFields(boolean auth) {
        return List.of(Field.of("type", FieldType.STRING, auth ? "Auth method type, e.g. approle." : "Engine type, e.g. kv."),
                Field.of("description", FieldType.STRING, "Description."),
                Field.of("config", FieldType.MAP, "default_lease_ttl, max_lease_ttl and the other tunables."),
                Field.of("options", FieldType.MAP, "Engine options, e.g. version=2 for kv."),
                Field.of("local", FieldType.BOOL, "Accepted for compatibility."),
                Field.of("seal_wrap", FieldType.BOOL, "Accepted for compatibility."),
                Field.of("external_entropy_access", FieldType.BOOL, "Accepted for compatibility."),
                Field.of("plugin_name", FieldType.STRING, "Alias of type."),
                Field.of("plugin_version", FieldType.STRING, "Accepted for compatibility; must be empty."));
    }

    @Override
    public List<PathSpec> paths() {
        List<PathSpec> out = new ArrayList<>(tablePaths(mounts, "mounts", "secrets engine"));
        out.addAll(tablePaths(authMounts, "auth", "auth method (under auth/)"));
        out.addAll(List.of(
                PathSpec.path("remount")
                        .fields(Field.of("from", FieldType.STRING, "The mount's path (auth/... for an auth method).")
                                        .asRequired(),
                                Field.of("to", FieldType.STRING, "The new path.").asRequired())
                        .on(UPDATE, (r, d) -> remount(d.getString("from"), d.getString("to")))
                        .help("Moves a mount to a new path (vault secrets move); its leases are revoked first, as Vault.",
                                "")
                        .build(),
                PathSpec.path("remount/status/(?P<migration_id>[^/]+)")
                        .fields(Field.of("migration_id", FieldType.STRING, "The id remount returned."))
                        .on(READ, (r, d) -> storage.get(REMOUNT_PREFIX + d.getString("migration_id"))
                                .map(b -> Response.of(Json.readMap(b))).orElse(null))
                        .help("The outcome of a remount.", "")
                        .build(),
                PathSpec.path("internal/ui/mounts")
                        .on(READ, (r, d) -> Response.of(uiMounts(TokenCaller.ifAny(r))))
                        .help("The mounts the caller's policies reach below, and those tuned listing_visibility=unauth.",
                                "Answered with or without a token, as Vault.")
                        .tokenOptional()
                        .build(),
                PathSpec.path("internal/ui/mounts/(?P<path>.+)")
                        .on(READ, (r, d) -> uiMount(TokenCaller.ifAny(r), d.getString("path")))
                        .help("The mount serving a path (the Vault CLI uses it to detect the KV version).",
                                "Needs a token with some access below that mount; the path itself needs no grant.")
                        .tokenOptional()
                        .build()));
        return out;
    }

    /** {@code <base>}, {@code <base>/:path/tune} and {@code <base>/:path} over one mount table. */
    private List<PathSpec> tablePaths(Mounts<?> table, String base, String what) {
        boolean auth = table.authMethods();
        return List.of(
                PathSpec.path(base)
                        .on(READ, (r, d) -> Response.of(listing(table, auth)))
                        .help("Lists every " + what + ".", "")
                        .build(),
                PathSpec.path(base + "/(?P<path>.+?)/tune")
                        .fields(tuneFields(auth))
                        .on(READ, (r, d) -> Response.of(tuneView(entry(table, d), auth)))
                        .on(UPDATE, (r, d) -> tune(table, d))
                        .help("Reads or tunes a " + what + ": TTLs, description, options and settings.", "")
                        .build(),
                PathSpec.path(base + "/(?P<path>.+)")
                        .fields(enableFields(auth))
                        .on(READ, (r, d) -> Response.of(entry(table, d).toApi(auth)))
                        .on(UPDATE, (r, d) -> enable(table, d))
                        .on(DELETE, (r, d) -> disable(table, d.getString("path")))
                        .help("Enables, reads or disables a " + what + ".", "")
                        .build());
    }

    private static Mounts.Mounted<?> required(Mounts<?> table, String rawPath) {
        String path = Mounts.normalize(rawPath);
        return table.mounted().stream().filter(m -> m.entry().path().equals(path)).findFirst()
                .orElseThrow(() -> EngineException.badRequest(table.missing(path)));
    }

    /** A mount by path: one of the table's, or a built-in one (sys/, cubbyhole/, token/). */
    private static MountEntry entry(Mounts<?> table, FieldData d) {
        return builtIn(table, d.getString("path")).orElseGet(() -> required(table, d.getString("path")).entry());
    }

    private static Optional<MountEntry> builtIn(Mounts<?> table, String rawPath) {
        String path = Mounts.normalize(rawPath);
        return builtIns(table.authMethods()).stream().filter(e -> e.path().equals(path)).findFirst();
    }

    private Map<String, Object> listing(Mounts<?> table, boolean auth) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (MountEntry e : builtIns(auth)) {
            out.put(e.path(), e.toApi(auth));
        }
        for (MountEntry e : table.list()) {
            out.put(e.path(), e.toApi(auth));
        }
        return out;
    }

    /** The mounts Vault always has: sys/ and cubbyhole/ (secrets), token/ (auth). */
    private static final List<MountEntry> BUILT_IN_AUTH = List.of(new MountEntry("token/", "token", "", "auth_token",
            "token based credentials", Map.of(), 0, 0));
    private static final List<MountEntry> BUILT_IN_SECRETS = List.of(
            new MountEntry("cubbyhole/", "cubbyhole", "", "cubbyhole", "per-token private secret storage", Map.of(), 0, 0),
            new MountEntry("sys/", "system", "", "system", "system endpoints used for control, policy and debugging",
                    Map.of(), 0, 0));

    static List<MountEntry> builtIns(boolean auth) {
        return auth ? BUILT_IN_AUTH : BUILT_IN_SECRETS;
    }

    /** Vault's tune view: the effective TTLs (the system's where the mount sets none) and the settings set. */
    private Map<String, Object> tuneView(MountEntry e, boolean auth) {
        long systemMax = leaseConfig.getMaxTtl().toSeconds();
        long max = e.maxLeaseTtl() > 0 ? e.maxLeaseTtl() : systemMax;
        long dflt = e.defaultLeaseTtl() > 0 ? e.defaultLeaseTtl() : Math.min(leaseConfig.getDefaultTtl().toSeconds(), max);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("default_lease_ttl", dflt);
        m.put("max_lease_ttl", max);
        m.put("force_no_cache", false);
        m.put("description", e.description());
        if (auth) {
            m.put(MountSettings.TOKEN_TYPE, e.setting(MountSettings.TOKEN_TYPE, "default-service"));
        }
        e.settings().forEach((k, v) -> {
            if (!k.equals(MountSettings.TOKEN_TYPE)) {
                m.put(k, v);
            }
        });
        if (!e.options().isEmpty()) {
            m.put("options", e.options());
        }
        return m;
    }

    private Response tune(Mounts<?> table, FieldData d) {
        refusePluginVersion(d);
        builtIn(table, d.getString("path")).ifPresent(e -> {
            throw EngineException.badRequest("cannot tune \"" + e.path() + "\": Custos's built-in mounts take their "
                    + "TTLs from custos.leases.default-ttl and max-ttl");
        });
        String path = required(table, d.getString("path")).entry().path();
        Map<String, Object> settings = new LinkedHashMap<>();
        for (String k : MountSettings.KEYS) {
            if (d.has(k)) {
                settings.put(k, d.get(k));
            }
        }
        settings.put("force_no_cache", d.getBool("force_no_cache"));
        table.tune(path, d.has("description") ? d.getString("description") : null,
                ttl(d.get("default_lease_ttl"), "default_lease_ttl"), ttl(d.get("max_lease_ttl"), "max_lease_ttl"),
                d.has("options") ? stringOptions(d.getAs("options")) : null, settings);
        return null;
    }

    private Response enable(Mounts<?> table, FieldData d) {
        refusePluginVersion(d);
        String type = d.has("type") && !d.getString("type").isEmpty() ? d.getString("type") : d.getString("plugin_name");
        if (type == null || type.isEmpty()) {
            throw EngineException.badRequest("missing required field \"type\"");
        }
        Map<String, String> options = stringOptions(d.getAs("options"));
        if (!table.authMethods() && type.equals("kv-v2")) {
            type = "kv";
            options.put("version", "2");
        }
        Map<String, Object> config = d.getAs("config");
        Long dflt = config == null ? null : ttl(config.get("default_lease_ttl"), "config.default_lease_ttl");
        Long max = config == null ? null : ttl(config.get("max_lease_ttl"), "config.max_lease_ttl");
        table.enable(d.getString("path"), type, d.getString("description"), options, dflt == null ? 0 : dflt,
                max == null ? 0 : max, config == null ? Map.of() : config);
        return null;
    }

    private static void refusePluginVersion(FieldData d) {
        if (d.has("plugin_version") && !d.getString("plugin_version").isEmpty()) {
            throw EngineException.badRequest("plugin_version is not supported: Custos's engines are built in");
        }
    }

    /**
     * Vault's unmount: every lease the mount issued is revoked first (a failed revocation stops the
     * unmount, so nothing it handed out is left without a lease to take it back). No mount: 204.
     */
    private Response disable(Mounts<?> table, String rawPath) {
        String path = Mounts.normalize(rawPath);
        if (builtIn(table, path).isPresent()) {
            throw EngineException.badRequest("cannot unmount \"" + path + "\"");
        }
        if (table.get(path).isPresent()) {
            // an auth method's tokens go with it (revokePrefix of auth/<path> revokes them)
            leases.revokePrefix((table.authMethods() ? "auth/" : "") + path, true, false);
        }
        table.disable(path);
        return null;
    }

    private Response remount(String rawFrom, String rawTo) {
        String from = Mounts.normalize(rawFrom.trim());
        String to = Mounts.normalize(rawTo.trim());
        boolean fromAuth = from.startsWith("auth/");
        if (fromAuth != to.startsWith("auth/")) {
            throw EngineException.badRequest(fromAuth ? "cannot remount auth mount to non-auth mount "
                    : "cannot remount non-auth mount to auth mount");
        }
        if (from.startsWith("sys/") || from.startsWith("cubbyhole/") || from.equals("auth/token/")) {
            throw EngineException.badRequest("cannot remount \"" + from + "\"");
        }
        Mounts<?> table = fromAuth ? authMounts : mounts;
        String src = fromAuth ? from.substring(5) : from;
        String dst = fromAuth ? to.substring(5) : to;
        required(table, src);
        leases.revokePrefix(from, true, false);
        table.move(src, dst);
        String id = UUID.randomUUID().toString();
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("source_mount", from);
        info.put("target_mount", to);
        info.put("status", "success");
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("migration_id", id);
        status.put("migration_info", info);
        status.put("completed_at", Instant.now(clock).toString());
        storage.put(REMOUNT_PREFIX + id, Json.write(status));
        return Response.of(Map.of("migration_id", id));
    }

    /** The mounts sys/internal/ui/mounts lists to a caller: those {@code visible} says it may see. */
    private Map<String, Object> uiMounts(TokenCaller caller) {
        return uiMounts(p -> caller != null && caller.acl().hasAnyAccessBelow(p));
    }

    Map<String, Object> uiMounts(Predicate<String> visible) {
        Map<String, Object> secret = new LinkedHashMap<>();
        for (MountEntry e : mounts.list()) {
            if (visible.test(e.path()) || "unauth".equals(e.setting(MountSettings.LISTING_VISIBILITY, ""))) {
                secret.put(e.path(), e.toApi(false));
            }
        }
        Map<String, Object> auth = new LinkedHashMap<>();
        for (MountEntry e : authMounts.list()) {
            if (visible.test("auth/" + e.path()) || "unauth".equals(e.setting(MountSettings.LISTING_VISIBILITY, ""))) {
                auth.put(e.path(), e.toApi(true));
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("secret", secret);
        out.put("auth", auth);
        return out;
    }

    /** One mount, for a caller with any access below it (every token has its own cubbyhole). */
    private Response uiMount(TokenCaller caller, String path) {
        if (caller == null) {
            throw new EngineException(403, "permission denied");
        }
        if (path.startsWith("cubbyhole/") || path.equals("cubbyhole")) {
            Map<String, Object> out = new LinkedHashMap<>(builtIns(false).get(0).toApi(false));
            out.put("path", "cubbyhole/");
            return Response.of(out);
        }
        return mounts.resolve(path).filter(m -> caller.acl().hasAnyAccessBelow(m.entry().path())).map(m -> {
            Map<String, Object> out = new LinkedHashMap<>(m.entry().toApi(false));
            out.put("path", m.entry().path());
            return Response.of(out);
        }).orElseThrow(() -> new EngineException(403, "permission denied"));
    }

    /**
     * A TTL as Vault's mount config takes it: a duration string, a number of seconds, or
     * {@code "system"} (0: the system's); absent or empty means unchanged (null).
     */
    static Long ttl(Object raw, String field) {
        if (raw == null || raw instanceof String s && s.isBlank()) {
            return null;
        }
        if ("system".equals(raw)) {
            return 0L;
        }
        Duration d = (Duration) FieldType.DURATION.decode(field, raw);
        if (d.isNegative()) {
            throw EngineException.badRequest(field + " cannot be negative");
        }
        return d.toSeconds();
    }

    private static Map<String, String> stringOptions(Map<String, Object> raw) {
        Map<String, String> out = new LinkedHashMap<>();
        if (raw != null) {
            raw.forEach((k, v) -> out.put(k, (String) FieldType.STRING.decode("options." + k, v)));
        }
        return out;
    }
}
