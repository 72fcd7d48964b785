package io.custos.broker.sys;

import static io.custos.engine.sdk.Operation.DELETE;
import static io.custos.engine.sdk.Operation.LIST;
import static io.custos.engine.sdk.Operation.READ;
import static io.custos.engine.sdk.Operation.UPDATE;

import io.custos.broker.BuildInfo;
import io.custos.broker.audit.AuditBroker;
import io.custos.broker.audit.AuditChain;
import io.custos.broker.barrier.AesGcmBarrier;
import io.custos.broker.http.TokenBackend;
import io.custos.broker.http.WrappingBackend;
import io.custos.broker.barrier.KeyRotation;
import io.custos.broker.barrier.Keyring;
import io.custos.broker.mount.MountEntry;
import io.custos.broker.mount.AuthMountTable;
import io.custos.broker.mount.MountTable;
import io.custos.broker.policy.PolicyStore;
import io.custos.broker.seal.Core;
import io.custos.broker.seal.InitResult;
import io.custos.broker.seal.SealStatus;
import io.custos.engine.sdk.EngineException;
import io.custos.engine.sdk.Field;
import io.custos.engine.sdk.FieldData;
import io.custos.engine.sdk.FieldType;
import io.custos.engine.sdk.FrameworkEngine;
import io.custos.engine.sdk.OpenApiDocument;
import io.custos.engine.sdk.PathSpec;
import io.custos.engine.sdk.Response;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code sys/} backend: initialisation, seal and unseal, health, mounts, and barrier key
 * rotation, declared with the same path framework as engines so it gets the same validation.
 */
@Singleton
public class SystemBackend extends FrameworkEngine {
    /** Paths answered while sealed (and without a token). */
    public static final Set<String> SEAL_EXEMPT = Set.of("init", "seal-status", "unseal", "health");
    /** Paths answered without a token once unsealed. */
    public static final Set<String> UNAUTHENTICATED = Set.of("init", "seal-status", "unseal", "health", "leader");
    /** Paths whose answer is a bare JSON object rather than Vault's envelope. */
    public static final Set<String> RAW_RESPONSES = Set.of("init", "seal-status", "unseal", "health", "leader",
            "internal/specs/openapi");

    private final Core core;
    private final MountTable mounts;
    private final AuthMountTable authMounts;
    private final AesGcmBarrier barrier;
    private final KeyRotation rotation;
    private final PolicyStore policies;
    private final AuditBroker audit;
    private final TokenBackend tokenBackend;
    private final WrappingBackend wrapping;
    private final Clock clock;
    private final io.custos.broker.lease.LeaseManager leases;
    private final io.custos.broker.policy.PasswordPolicies passwordPolicies;
    private final io.custos.broker.lease.LeaseBackend leaseBackend;

    public SystemBackend(Core core, MountTable mounts, AuthMountTable authMounts, AesGcmBarrier barrier, KeyRotation rotation,
            PolicyStore policies, AuditBroker audit, TokenBackend tokenBackend, WrappingBackend wrapping, Clock clock,
            io.custos.broker.lease.LeaseManager leases, io.custos.broker.policy.PasswordPolicies passwordPolicies,
            io.custos.broker.lease.LeaseBackend leaseBackend) {
        this.leaseBackend = leaseBackend;
        this.leases = leases;
        this.passwordPolicies = passwordPolicies;
        this.core = core;
        this.mounts = mounts;
        this.authMounts = authMounts;
        this.barrier = barrier;
        this.rotation = rotation;
        this.policies = policies;
        this.audit = audit;
        this.tokenBackend = tokenBackend;
        this.wrapping = wrapping;
        this.clock = clock;
    }

    /**
     * Vault's unmount: every lease the mount issued is revoked first (a failed revocation stops
     * the unmount, so nothing it handed out is left without a lease to take it back).
     */
    private void disableMount(String path) {
        String mountPath = MountTable.normalize(path);
        if (mounts.get(mountPath).isPresent()) {
            leases.revokePrefix(mountPath, true, false);
        }
        mounts.disable(mountPath);
    }

    private static String requiredName(FieldData d) {
        return d.getString("name");
    }

    /** A handler that acts and answers 204. */
    private static PathSpec.Handler noContent(java.util.function.Consumer<FieldData> action) {
        return (r, d) -> {
            action.accept(d);
            return null;
        };
    }

    private static Response refuseAuditChange() {
        throw EngineException.badRequest("audit devices are declared in the server configuration "
                + "(custos.audit.devices), not through the API");
    }

    private static final Field POLICY_TEXT = Field.of("policy", FieldType.STRING,
            "The policy document in HCL or JSON, optionally base64-encoded.");

    /** Vault accepts the document base64-encoded (to spare clients the escaping); plain text otherwise. */
    static String policyText(String raw) {
        String t = raw.trim();
        if (!t.isEmpty() && t.chars().allMatch(c -> Character.isLetterOrDigit(c) || c == '+' || c == '/' || c == '=')) {
            try {
                return new String(Base64.getDecoder().decode(t), java.nio.charset.StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                return raw;
            }
        }
        return raw;
    }

    private static Field intField(String name, String description) {
        return Field.of(name, FieldType.INT, description);
    }

    @Override
    protected List<PathSpec> declarePaths() {
        return List.of(
                PathSpec.path("init")
                        .fields(intField("secret_shares", "Number of key shares to split the unseal key into."),
                                intField("secret_threshold", "Number of shares needed to unseal."),
                                Field.of("pgp_keys", FieldType.STRING_LIST, "Not supported; must be empty."),
                                intField("stored_shares", "Not supported; ignored."),
                                intField("recovery_shares", "Ignored: auto-seals need no recovery keys yet."),
                                intField("recovery_threshold", "Ignored."),
                                Field.of("recovery_pgp_keys", FieldType.STRING_LIST, "Not supported."))
                        .on(READ, (r, d) -> Response.of(Map.of("initialized", core.isInitialized())))
                        .on(UPDATE, (r, d) -> initialize(d))
                        .help("Initialises storage: root key, keyring, unseal key shares, root token.", "")
                        .build(),
                PathSpec.path("seal-status")
                        .on(READ, (r, d) -> Response.of(sealStatus()))
                        .help("Seal state and unseal progress.", "")
                        .build(),
                PathSpec.path("unseal")
                        .fields(Field.of("key", FieldType.STRING, "One unseal key share, hex or base64.").asSensitive(),
                                Field.of("reset", FieldType.BOOL, "Discard the shares submitted so far."),
                                Field.of("migrate", FieldType.BOOL, "Not supported."))
                        .on(UPDATE, (r, d) -> unseal(d))
                        .help("Submits an unseal key share.", "")
                        .build(),
                PathSpec.path("seal")
                        .on(UPDATE, noContent(d -> core.seal()))
                        .help("Seals: every key is dropped from memory.", "")
                        .build(),
                PathSpec.path("health")
                        .fields(Field.of("standbyok", FieldType.BOOL, "Answer 200 on a standby."),
                                Field.of("perfstandbyok", FieldType.BOOL, "Answer 200 on a performance standby."),
                                intField("activecode", "Status when active (default 200)."),
                                intField("standbycode", "Status when standby (default 429)."),
                                intField("sealedcode", "Status when sealed (default 503)."),
                                intField("uninitcode", "Status when not initialised (default 501)."),
                                intField("drsecondarycode", "Status for a DR secondary (default 472)."),
                                intField("performancestandbycode", "Status for a performance standby (default 473)."))
                        .on(READ, (r, d) -> health(d))
                        .help("Health in the status code: 200 active, 429 standby, 501 uninitialised, 503 sealed.", "")
                        .build(),
                PathSpec.path("leader")
                        .on(READ, (r, d) -> Response.of(leader()))
                        .help("High-availability status (what `vault status` asks); Custos nodes are all active.", "")
                        .build(),
                PathSpec.path("mounts")
                        .on(READ, (r, d) -> listMounts())
                        .help("Lists secrets engine mounts.", "")
                        .build(),
                PathSpec.path("mounts/(?P<path>.+?)/tune")
                        .fields(Field.of("default_lease_ttl", FieldType.DURATION, "Default lease TTL."),
                                Field.of("max_lease_ttl", FieldType.DURATION, "Maximum lease TTL."),
                                Field.of("description", FieldType.STRING, "Description."),
                                Field.of("options", FieldType.MAP, "Engine options."))
                        .on(READ, (r, d) -> Response.of(tuneView(mountAt(d))))
                        .on(UPDATE, (r, d) -> tune(d))
                        .help("Reads or tunes a mount's TTLs, description and options.", "")
                        .build(),
                PathSpec.path("mounts/(?P<path>.+)")
                        .fields(Field.of("type", FieldType.STRING, "Engine type, e.g. kv."),
                                Field.of("description", FieldType.STRING, "Description."),
                                Field.of("config", FieldType.MAP, "default_lease_ttl, max_lease_ttl."),
                                Field.of("options", FieldType.MAP, "Engine options, e.g. version=2 for kv."),
                                Field.of("local", FieldType.BOOL, "Accepted for compatibility."),
                                Field.of("seal_wrap", FieldType.BOOL, "Accepted for compatibility."),
                                Field.of("external_entropy_access", FieldType.BOOL, "Accepted for compatibility."),
                                Field.of("plugin_name", FieldType.STRING, "Alias of type."))
                        .on(READ, (r, d) -> Response.of(mountAt(d).toApi()))
                        .on(UPDATE, (r, d) -> enable(d))
                        .on(DELETE, noContent(d -> disableMount(d.getString("path"))))
                        .help("Enables, reads or disables a mount.", "")
                        .build(),
                PathSpec.path("policies/acl/?")
                        .on(LIST, (r, d) -> Response.listOf(policies.list()))
                        .help("Lists ACL policies.", "")
                        .build(),
                PathSpec.path("policies/acl/(?P<name>.+)")
                        .fields(POLICY_TEXT)
                        .on(READ, (r, d) -> policies.get(d.getString("name")).map(p -> Response.of(Map.of(
                                "name", p.name(), "policy", p.text()))).orElse(null))
                        .on(UPDATE, noContent(d -> policies.put(d.getString("name"), policyText(d.getString("policy")))))
                        .on(DELETE, noContent(d -> policies.delete(d.getString("name"))))
                        .help("Reads, writes or deletes an ACL policy (HCL or JSON, optionally base64-encoded).", "")
                        .build(),
                PathSpec.path("policies/password/?")
                        .on(LIST, (r, d) -> Response.listOf(passwordPolicies.list()))
                        .help("Lists password policies.", "")
                        .build(),
                PathSpec.path("policies/password/(?P<name>[^/]+)/generate")
                        .fields(Field.of("name", FieldType.STRING, "The password policy."))
                        .on(READ, (r, d) -> Response.of(Map.of("password",
                                passwordPolicies.generatePassword(requiredName(d)))))
                        .help("Generates a password from a password policy.", "")
                        .build(),
                PathSpec.path("policies/password/(?P<name>[^/]+)")
                        .fields(Field.of("name", FieldType.STRING, "The password policy."),
                                Field.of("policy", FieldType.STRING, "length and rule \"charset\" blocks, in HCL or "
                                        + "JSON, optionally base64-encoded."))
                        .on(READ, (r, d) -> passwordPolicies.get(requiredName(d))
                                .map(t -> Response.of(Map.of("policy", t))).orElse(null))
                        .on(UPDATE, noContent(d -> passwordPolicies.put(requiredName(d),
                                policyText(d.getString("policy") == null ? "" : d.getString("policy")))))
                        .on(DELETE, noContent(d -> passwordPolicies.delete(requiredName(d))))
                        .help("Reads, writes or deletes a password policy.", "")
                        .build(),
                PathSpec.path("policy/?")
                        .on(READ, (r, d) -> Response.of(Map.of("policies", policies.list(), "keys", policies.list())))
                        .on(LIST, (r, d) -> Response.listOf(policies.list()))
                        .help("Lists ACL policies (the older endpoint).", "")
                        .build(),
                PathSpec.path("policy/(?P<name>.+)")
                        .fields(POLICY_TEXT, Field.of("rules", FieldType.STRING, "The policy document (older name of policy)."))
                        .on(READ, (r, d) -> policies.get(d.getString("name")).map(p -> Response.of(Map.of(
                                "name", p.name(), "rules", p.text()))).orElse(null))
                        .on(UPDATE, (r, d) -> {
                            String text = d.has("policy") ? d.getString("policy") : d.getString("rules");
                            policies.put(d.getString("name"), policyText(text));
                            return null;
                        })
                        .on(DELETE, noContent(d -> policies.delete(d.getString("name"))))
                        .help("Reads, writes or deletes an ACL policy (the older endpoint).", "")
                        .build(),
                PathSpec.path("auth")
                        .on(READ, (r, d) -> listAuth())
                        .help("Lists auth methods.", "")
                        .build(),
                PathSpec.path("auth/(?P<path>.+)")
                        .fields(Field.of("type", FieldType.STRING, "Auth method type, e.g. approle."),
                                Field.of("description", FieldType.STRING, "Description."),
                                Field.of("config", FieldType.MAP, "default_lease_ttl, max_lease_ttl."),
                                Field.of("local", FieldType.BOOL, "Accepted for compatibility."),
                                Field.of("seal_wrap", FieldType.BOOL, "Accepted for compatibility."))
                        .on(UPDATE, noContent(d -> authMounts.enable(d.getString("path"), d.getString("type"),
                                d.getString("description"), Map.of(), ttl(d.getAs("config"), "default_lease_ttl"),
                                ttl(d.getAs("config"), "max_lease_ttl"))))
                        .on(DELETE, noContent(d -> authMounts.disable(d.getString("path"))))
                        .help("Enables or disables an auth method under auth/.", "")
                        .build(),
                PathSpec.path("audit")
                        .on(READ, (r, d) -> Response.of(audit.describe()))
                        .help("Lists the audit devices (declared in the server configuration).", "")
                        .build(),
                PathSpec.path("audit/(?P<path>[^/]+)/verify")
                        .fields(Field.of("file_path", FieldType.STRING,
                                "The file to check (default: the device's own; or a rotated copy beside it)."))
                        .on(UPDATE, (r, d) -> {
                            AuditChain.Result v = audit.verify(d.getString("path"), d.getString("file_path"));
                            Map<String, Object> m = new LinkedHashMap<>();
                            m.put("ok", v.ok());
                            m.put("lines", v.lines());
                            m.put("bad_line", v.badLine());
                            m.put("problem", v.problem());
                            return Response.of(m);
                        })
                        .help("Checks an audit file's HMAC chain and the checkpoints stored for it (Custos only).",
                                "Names the first edited, inserted, deleted or cut line.")
                        .build(),
                PathSpec.path("audit/(?P<path>.+)")
                        .fields(Field.of("type", FieldType.STRING, "Device type."),
                                Field.of("description", FieldType.STRING, "Description."),
                                Field.of("options", FieldType.MAP, "Device options."),
                                Field.of("local", FieldType.BOOL, "Accepted for compatibility."))
                        .on(UPDATE, (r, d) -> refuseAuditChange())
                        .on(DELETE, (r, d) -> refuseAuditChange())
                        .help("Enabling or disabling devices through the API is off: they come from the config.", "")
                        .build(),
                PathSpec.path("audit-hash/(?P<path>.+)")
                        .fields(Field.of("input", FieldType.STRING, "The value to hash.").asSensitive().asRequired())
                        .on(UPDATE, (r, d) -> Response.of(Map.of("hash", audit.hash(d.getString("path"), d.getString("input")))))
                        .help("The HMAC an audit device logs for a value, to search the log.", "")
                        .build(),
                PathSpec.path("rotate")
                        .on(UPDATE, noContent(d -> rotation.rotateNow()))
                        .help("Adds a keyring term and re-wraps data keys onto it in the background.", "")
                        .build(),
                PathSpec.path("key-status")
                        .on(READ, (r, d) -> keyStatus())
                        .help("The active key term, its install time, encryptions and re-wrap progress.", "")
                        .build(),
                PathSpec.path("internal/specs/openapi")
                        .on(READ, (r, d) -> Response.of(openApi()))
                        .help("The OpenAPI document of this server's paths, generated from their declarations.", "")
                        .build(),
                PathSpec.path("internal/ui/mounts/(?P<path>.+)")
                        .on(READ, (r, d) -> uiMount(d))
                        .help("The mount serving a path (the Vault CLI uses it to detect the KV version).", "")
                        .build());
    }

    private Response initialize(FieldData d) {
        List<String> pgp = d.getAs("pgp_keys");
        if (pgp != null && !pgp.isEmpty()) {
            throw EngineException.badRequest("pgp_keys are not supported");
        }
        InitResult result = core.initialize((int) d.getLong("secret_shares"), (int) d.getLong("secret_threshold"), null);
        List<String> hex = new ArrayList<>();
        List<String> b64 = new ArrayList<>();
        for (byte[] share : result.shares()) {
            hex.add(HexFormat.of().formatHex(share));
            b64.add(Base64.getEncoder().encodeToString(share));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("keys", hex);
        out.put("keys_base64", b64);
        out.put("root_token", result.rootToken());
        return Response.of(out);
    }

    private Response unseal(FieldData d) {
        if (d.getBool("reset")) {
            core.resetUnseal();
            return Response.of(sealStatus());
        }
        String key = d.getString("key").trim();
        if (key.isEmpty()) {
            throw EngineException.badRequest("missing required field \"key\"");
        }
        core.submitUnsealKey(decodeKey(key));
        return Response.of(sealStatus());
    }

    /** Unseal keys arrive hex-encoded (Vault's {@code keys}) or base64 ({@code keys_base64}). */
    static byte[] decodeKey(String key) {
        if (key.length() % 2 == 0 && key.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            return HexFormat.of().parseHex(key);
        }
        try {
            return Base64.getDecoder().decode(key);
        } catch (IllegalArgumentException e) {
            throw EngineException.badRequest("'key' must be a valid hex or base64 string");
        }
    }

    private Map<String, Object> sealStatus() {
        SealStatus s = core.status();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", s.type());
        m.put("initialized", s.initialized());
        m.put("sealed", s.sealed());
        m.put("t", s.threshold());
        m.put("n", s.shares());
        m.put("progress", s.progress());
        m.put("nonce", s.nonce());
        m.put("version", BuildInfo.VERSION);
        m.put("build_date", "");
        m.put("migration", false);
        m.put("recovery_seal", false);
        m.put("storage_type", "postgresql");
        return m;
    }

    private Response health(FieldData d) {
        boolean initialized = core.isInitialized();
        boolean sealed = core.isSealed();
        int code;
        if (!initialized) {
            code = d.has("uninitcode") ? (int) d.getLong("uninitcode") : 501;
        } else if (sealed) {
            code = d.has("sealedcode") ? (int) d.getLong("sealedcode") : 503;
        } else {
            code = d.has("activecode") ? (int) d.getLong("activecode") : 200;
        }
        if (code < 100 || code > 599) {
            throw EngineException.badRequest("status codes must be between 100 and 599");
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("initialized", initialized);
        m.put("sealed", sealed);
        m.put("standby", false);
        m.put("performance_standby", false);
        m.put("replication_performance_mode", "disabled");
        m.put("replication_dr_mode", "disabled");
        m.put("server_time_utc", clock.instant().getEpochSecond());
        m.put("version", BuildInfo.VERSION);
        return Response.withStatus(code, m);
    }

    private static Map<String, Object> leader() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ha_enabled", false);
        m.put("is_self", false);
        m.put("active_time", "0001-01-01T00:00:00Z");
        m.put("leader_address", "");
        m.put("leader_cluster_address", "");
        m.put("performance_standby", false);
        m.put("performance_standby_last_remote_wal", 0);
        return m;
    }

    private Response listMounts() {
        Map<String, Object> out = new LinkedHashMap<>();
        for (MountEntry e : mounts.list()) {
            out.put(e.path(), e.toApi());
        }
        Map<String, Object> sys = new MountEntry("sys/", "system", "", "system", "system endpoints used for control, "
                + "policy and debugging", Map.of(), 0, 0).toApi();
        out.put("sys/", sys);
        return Response.of(out);
    }

    private Response listAuth() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("token/", new MountEntry("token/", "token", "", "auth_token", "token based credentials",
                Map.of(), 0, 0).toApi());
        for (MountEntry e : authMounts.list()) {
            out.put(e.path(), e.toApi());
        }
        return Response.of(out);
    }

    private MountEntry mountAt(FieldData d) {
        return mounts.get(d.getString("path"))
                .orElseThrow(() -> EngineException.badRequest("no mount at " + MountTable.normalize(d.getString("path"))));
    }

    private Response enable(FieldData d) {
        String type = d.has("type") ? d.getString("type") : d.getString("plugin_name");
        if (type.isEmpty()) {
            throw EngineException.badRequest("missing required field \"type\"");
        }
        Map<String, String> options = stringOptions(d.getAs("options"));
        if (type.equals("kv-v2")) {
            type = "kv";
            options.put("version", "2");
        }
        Map<String, Object> config = d.getAs("config");
        long defaultTtl = ttl(config, "default_lease_ttl");
        long maxTtl = ttl(config, "max_lease_ttl");
        mounts.enable(d.getString("path"), type, d.getString("description"), options, defaultTtl, maxTtl);
        return null;
    }

    private Response tune(FieldData d) {
        mounts.tune(d.getString("path"), d.has("description") ? d.getString("description") : null,
                d.has("default_lease_ttl") ? d.getDuration("default_lease_ttl").toSeconds() : null,
                d.has("max_lease_ttl") ? d.getDuration("max_lease_ttl").toSeconds() : null,
                d.has("options") ? stringOptions(d.getAs("options")) : null);
        return null;
    }

    private static Map<String, Object> tuneView(MountEntry e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("default_lease_ttl", e.defaultLeaseTtl());
        m.put("max_lease_ttl", e.maxLeaseTtl());
        m.put("force_no_cache", false);
        m.put("description", e.description());
        m.put("options", e.options().isEmpty() ? null : e.options());
        return m;
    }

    private static long ttl(Map<String, Object> config, String name) {
        if (config == null || config.get(name) == null) {
            return 0;
        }
        Duration d = (Duration) FieldType.DURATION.decode("config." + name, config.get(name));
        if (d.isNegative()) {
            throw EngineException.badRequest("config." + name + " cannot be negative");
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

    private Response keyStatus() {
        Keyring.Term active = barrier.keyring().active();
        KeyRotation.Progress p = rotation.progress();
        Map<String, Object> rewrap = new LinkedHashMap<>();
        rewrap.put("in_progress", p.inProgress());
        rewrap.put("pending_entries", p.pending());
        rewrap.put("total_entries", p.total());
        rewrap.put("rewrapped_entries", p.rewrapped());
        rewrap.put("failed_entries", p.failed());
        rewrap.put("last_completed", p.lastCompleted() == null ? null : p.lastCompleted().toString());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("term", active.number());
        m.put("install_time", active.installTime().toString());
        m.put("encryptions", barrier.encryptionCounts().getOrDefault(active.number(), 0L));
        m.put("rewrap", rewrap);
        return Response.of(m);
    }

    /** The contract of every path this server serves right now: sys/ and each mount's engine. */
    public Map<String, Object> openApi() {
        Map<String, List<PathSpec>> byMount = new LinkedHashMap<>();
        List<PathSpec> sys = new ArrayList<>(paths());
        sys.addAll(leaseBackend.paths());
        byMount.put("sys/", sys);
        byMount.put("sys/wrapping/", wrapping.paths());
        byMount.put("auth/token/", tokenBackend.paths());
        for (MountTable.Mounted m : mounts.mounted()) {
            byMount.put(m.entry().path(), m.engine().paths());
        }
        for (MountTable.Mounted m : authMounts.mounted()) {
            byMount.put("auth/" + m.entry().path(), m.engine().paths());
        }
        return OpenApiDocument.build("Custos HTTP API", BuildInfo.VERSION, byMount);
    }

    private Response uiMount(FieldData d) {
        return mounts.resolve(d.getString("path")).map(m -> {
            Map<String, Object> out = new LinkedHashMap<>(m.entry().toApi());
            out.put("path", m.entry().path());
            return Response.of(out);
        }).orElseThrow(() -> new EngineException(403, "permission denied"));
    }
}
