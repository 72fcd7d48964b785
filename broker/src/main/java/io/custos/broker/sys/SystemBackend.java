package io.custos.broker.sys;

import static io.custos.engine.sdk.Operation.DELETE;
import static io.custos.engine.sdk.Operation.LIST;
import static io.custos.engine.sdk.Operation.READ;
import static io.custos.engine.sdk.Operation.UPDATE;

import io.custos.broker.BuildInfo;
import io.custos.broker.audit.AuditBroker;
import io.custos.broker.audit.AuditChain;
import io.custos.broker.barrier.AesGcmBarrier;
import io.custos.broker.barrier.Keyring;
import io.custos.broker.lease.LeaseBackend;
import io.custos.broker.mount.AuthMountTable;
import io.custos.broker.mount.BuiltinBackend;
import io.custos.broker.mount.MountTable;
import io.custos.broker.mount.Mounts;
import io.custos.broker.policy.PasswordPolicies;
import io.custos.broker.policy.PolicyStore;
import io.custos.broker.seal.Core;
import io.custos.broker.seal.InitResult;
import io.custos.broker.seal.KeyRotation;
import io.custos.broker.seal.SealStatus;
import io.custos.engine.sdk.EngineException;
import io.custos.engine.sdk.Field;
import io.custos.engine.sdk.FieldData;
import io.custos.engine.sdk.FieldType;
import io.custos.engine.sdk.FrameworkBackend;
import io.custos.engine.sdk.OpenApiDocument;
import io.custos.engine.sdk.PathSpec;
import io.custos.engine.sdk.Response;
import io.micronaut.context.BeanProvider;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The {@code sys/} backend: initialisation, seal and unseal, health, mounts, and barrier key
 * rotation, declared with the same path framework as engines so it gets the same validation.
 */
@Singleton
public class SystemBackend extends FrameworkBackend implements BuiltinBackend {
    private final Core core;
    private final MountTable mounts;
    private final AuthMountTable authMounts;
    private final AesGcmBarrier barrier;
    private final KeyRotation rotation;
    private final PolicyStore policies;
    private final AuditBroker audit;
    private final Clock clock;
    private final PasswordPolicies passwordPolicies;
    private final LeaseBackend leaseBackend;
    private final MountPaths mountPaths;
    private final ToolPaths toolPaths;
    private final BeanProvider<BuiltinBackend> builtins;

    public SystemBackend(Core core, MountTable mounts, AuthMountTable authMounts, AesGcmBarrier barrier, KeyRotation rotation,
            PolicyStore policies, AuditBroker audit, Clock clock, PasswordPolicies passwordPolicies,
            LeaseBackend leaseBackend, MountPaths mountPaths, ToolPaths toolPaths, BeanProvider<BuiltinBackend> builtins) {
        this.toolPaths = toolPaths;
        this.leaseBackend = leaseBackend;
        this.mountPaths = mountPaths;
        this.passwordPolicies = passwordPolicies;
        this.core = core;
        this.mounts = mounts;
        this.authMounts = authMounts;
        this.barrier = barrier;
        this.rotation = rotation;
        this.policies = policies;
        this.audit = audit;
        this.clock = clock;
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

    private static String requiredName(FieldData d) {
        return d.getString("name");
    }

    /** A handler that acts and answers 204. */
    private static PathSpec.Handler noContent(Consumer<FieldData> action) {
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
                return new String(Base64.getDecoder().decode(t), StandardCharsets.UTF_8);
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
        List<PathSpec> out = new ArrayList<>(leaseBackend.paths()); // sys/leases/..., sys/renew, sys/revoke...
        out.addAll(mountPaths.paths());
        out.addAll(toolPaths.paths());
        out.addAll(List.of(
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
                        .unauthenticated()
                        .servedWhileSealed()
                        .rawResponse()
                        .build(),
                PathSpec.path("seal-status")
                        .on(READ, (r, d) -> Response.of(sealStatus()))
                        .help("Seal state and unseal progress.", "")
                        .unauthenticated()
                        .servedWhileSealed()
                        .rawResponse()
                        .build(),
                PathSpec.path("unseal")
                        .fields(Field.of("key", FieldType.STRING, "One unseal key share, hex or base64.").asSensitive(),
                                Field.of("reset", FieldType.BOOL, "Discard the shares submitted so far."),
                                Field.of("migrate", FieldType.BOOL, "Not supported."))
                        .on(UPDATE, (r, d) -> unseal(d))
                        .help("Submits an unseal key share.", "")
                        .unauthenticated()
                        .servedWhileSealed()
                        .rawResponse()
                        .build(),
                PathSpec.path("seal")
                        .on(UPDATE, noContent(d -> core.seal()))
                        .help("Seals: every key is dropped from memory.", "")
                        .sudo()
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
                        .unauthenticated()
                        .servedWhileSealed()
                        .rawResponse()
                        .build(),
                PathSpec.path("leader")
                        .on(READ, (r, d) -> Response.of(leader()))
                        .help("High-availability status (what `vault status` asks); Custos nodes are all active.", "")
                        .unauthenticated()
                        .rawResponse()
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
                PathSpec.path("audit")
                        .on(READ, (r, d) -> Response.of(audit.describe()))
                        .help("Lists the audit devices (declared in the server configuration).", "")
                        .sudo()
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
                        .sudo()
                        .build(),
                PathSpec.path("audit/(?P<path>.+)")
                        .fields(Field.of("type", FieldType.STRING, "Device type."),
                                Field.of("description", FieldType.STRING, "Description."),
                                Field.of("options", FieldType.MAP, "Device options."),
                                Field.of("local", FieldType.BOOL, "Accepted for compatibility."))
                        .on(UPDATE, (r, d) -> refuseAuditChange())
                        .on(DELETE, (r, d) -> refuseAuditChange())
                        .help("Enabling or disabling devices through the API is off: they come from the config.", "")
                        .sudo()
                        .build(),
                PathSpec.path("audit-hash/(?P<path>.+)")
                        .fields(Field.of("input", FieldType.STRING, "The value to hash.").asSensitive().asRequired())
                        .on(UPDATE, (r, d) -> Response.of(Map.of("hash", audit.hash(d.getString("path"), d.getString("input")))))
                        .help("The HMAC an audit device logs for a value, to search the log.", "")
                        .build(),
                PathSpec.path("rotate")
                        .on(UPDATE, noContent(d -> rotation.rotateNow()))
                        .help("Adds a keyring term and re-wraps data keys onto it in the background.", "")
                        .sudo()
                        .build(),
                PathSpec.path("key-status")
                        .on(READ, (r, d) -> keyStatus())
                        .help("The active key term, its install time, encryptions and re-wrap progress.", "")
                        .build(),
                PathSpec.path("internal/specs/openapi")
                        .on(READ, (r, d) -> Response.of(openApi()))
                        .help("The OpenAPI document of this server's paths, generated from their declarations.", "")
                        .rawResponse()
                        .build()));
        return out;
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
        m.put("custos_version", BuildInfo.CUSTOS_VERSION);
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
        m.put("custos_version", BuildInfo.CUSTOS_VERSION);
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

}
