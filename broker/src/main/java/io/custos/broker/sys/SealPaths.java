package io.custos.broker.sys;

import static io.custos.broker.sys.SysPaths.intField;
import static io.custos.broker.sys.SysPaths.noContent;
import static io.custos.engine.sdk.Operation.READ;
import static io.custos.engine.sdk.Operation.UPDATE;

import io.custos.broker.BuildInfo;
import io.custos.broker.seal.Core;
import io.custos.broker.seal.InitResult;
import io.custos.broker.seal.SealStatus;
import io.custos.engine.sdk.EngineException;
import io.custos.engine.sdk.Field;
import io.custos.engine.sdk.FieldData;
import io.custos.engine.sdk.FieldType;
import io.custos.engine.sdk.PathSpec;
import io.custos.engine.sdk.Response;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The seal's paths: {@code init}, {@code seal-status}, {@code unseal} and {@code health} (answered
 * while sealed and without a token), {@code leader}, and {@code seal} (sudo).
 */
@Singleton
public class SealPaths implements SystemPathFamily {
    private final Core core;
    private final Clock clock;

    public SealPaths(Core core, Clock clock) {
        this.core = core;
        this.clock = clock;
    }

    @Override
    public List<PathSpec> paths() {
        List<PathSpec> out = new ArrayList<>();
        out.addAll(lifecyclePaths());
        out.addAll(statusPaths());
        return out;
    }

    /** Initialising, unsealing and sealing. */
    private List<PathSpec> lifecyclePaths() {
        return List.of(
                PathSpec.path("init")
                        .fields(intField("secret_shares", "Number of key shares to split the unseal key into."),
                                intField("secret_threshold", "Number of shares needed to unseal."),
                                Field.of("pgp_keys", FieldType.STRING_LIST, "Not supported; must be empty."),
                                intField("stored_shares", "Not supported; ignored."),
                                intField("recovery_shares", "Auto-seal: shares to split the recovery key into "
                                        + "(0: no recovery key)."),
                                intField("recovery_threshold", "Auto-seal: recovery key shares needed."),
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
                        .build());
    }

    /** Health and leadership, as load balancers and vault status ask. */
    private List<PathSpec> statusPaths() {
        return List.of(
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
                        .build());
    }

    private Response initialize(FieldData d) {
        List<String> pgp = d.getAs("pgp_keys");
        if (pgp != null && !pgp.isEmpty()) {
            throw EngineException.badRequest("pgp_keys are not supported");
        }
        List<String> recoveryPgp = d.getAs("recovery_pgp_keys");
        if (recoveryPgp != null && !recoveryPgp.isEmpty()) {
            throw EngineException.badRequest("recovery_pgp_keys are not supported");
        }
        InitResult result = core.initialize((int) d.getLong("secret_shares"), (int) d.getLong("secret_threshold"),
                (int) d.getLong("recovery_shares"), (int) d.getLong("recovery_threshold"), null);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("keys", hex(result.shares()));
        out.put("keys_base64", base64(result.shares()));
        out.put("recovery_keys", hex(result.recoveryShares()));
        out.put("recovery_keys_base64", base64(result.recoveryShares()));
        out.put("root_token", result.rootToken());
        return Response.of(out);
    }

    private static List<String> hex(List<byte[]> shares) {
        return shares.stream().map(HexFormat.of()::formatHex).toList();
    }

    private static List<String> base64(List<byte[]> shares) {
        return shares.stream().map(Base64.getEncoder()::encodeToString).toList();
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
        m.put("recovery_seal", s.recoverySeal());
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
}
