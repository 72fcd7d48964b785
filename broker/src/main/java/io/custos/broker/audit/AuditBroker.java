package io.custos.broker.audit;

import com.fasterxml.jackson.core.type.TypeReference;
import io.custos.broker.barrier.AesGcm;
import io.custos.broker.barrier.BarrierStorage;
import io.custos.broker.barrier.SealListener;
import io.custos.broker.barrier.SealedException;
import io.custos.engine.sdk.EngineException;
import io.custos.engine.sdk.Json;
import io.custos.engine.sdk.NonBlocking;
import io.micronaut.context.exceptions.ConfigurationException;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends every authenticated request and its response to each configured audit device, with every
 * string value of parameters, response bodies and token fields replaced by its HMAC-SHA256 under
 * the device's own key (kept behind the barrier; {@code sys/audit-hash} computes it for searching).
 * Each device's lines are chained with a second key behind the barrier, and checkpoints of the
 * chain are stored there too ({@link AuditChain}); {@code sys/audit/<device>/verify} checks a file.
 * Fails closed: if devices are configured and none can write, the request is refused before it
 * runs, and a response that cannot be recorded is not returned.
 */
@Singleton
public class AuditBroker {
    private static final Logger LOG = LoggerFactory.getLogger(AuditBroker.class);

    private final AuditDevices devices;
    private final Clock clock;

    public AuditBroker(AuditDevices devices, Clock clock) {
        this.devices = devices;
        this.clock = clock;
    }

    /**
     * {@code sys/audit/<device>/verify}: checks the device's file (or a rotated copy beside it whose
     * name starts with the file's name) with the device's chain key and its stored checkpoint.
     */
    public AuditChain.Result verify(String device, String filePath) {
        if (!devices.unsealed()) {
            throw new SealedException();
        }
        AuditDevices.Active a = devices.find(device)
                .orElseThrow(() -> EngineException.badRequest("unknown audit device \"" + device + "\""));
        FileAuditDevice d = a.device();
        if (d.path() == null) {
            throw EngineException.badRequest("audit device \"" + device + "\" writes to " + a.spec().filePath()
                    + ": there is no file to verify");
        }
        Path file = filePath == null || filePath.isBlank() ? d.path() : AuditDeviceSpec.path(filePath, "file_path")
                .toAbsolutePath().normalize();
        Path own = d.path().toAbsolutePath().normalize();
        if (!file.equals(own) && !(own.getParent().equals(file.getParent())
                && file.getFileName().toString().startsWith(own.getFileName().toString()))) {
            throw EngineException.badRequest("file_path must be the device's file or a copy beside it named "
                    + own.getFileName() + "*");
        }
        d.checkpoint(devices::storeCheckpoint);
        try {
            String fileId = AuditChain.fileId(file);
            AuditChain.Checkpoint checkpoint = fileId == null ? null : devices.checkpoint(fileId).orElse(null);
            return AuditChain.verify(file, a.chainKey(), checkpoint);
        } catch (NoSuchFileException e) {
            throw EngineException.badRequest("no such file: " + file);
        } catch (IOException e) {
            throw EngineException.badRequest("cannot read " + file + ": " + e.getMessage());
        }
    }

    /** Devices are declared and the keys are loaded. */
    public boolean active() {
        return devices.anyDeclared();
    }

    public void logRequest(AuditRecord r) {
        if (!active()) {
            return;
        }
        NonBlocking.check(); // files, and their checkpoints in storage, are a worker's job
        write(r, "request", null, null);
        r.requestLogged = true;
    }

    /** Records the response; throws if no device could, and the caller then returns nothing of it. */
    public void logResponse(AuditRecord r, int status, byte[] body) {
        if (!active() || !r.requestLogged) {
            return;
        }
        write(r, "response", status, body);
    }

    private void write(AuditRecord r, String type, Integer status, byte[] body) {
        int written = 0;
        for (AuditDevices.Active a : devices.active()) {
            try {
                a.device().write(entry(r, type, status, body, a), a.chainKey(), devices::storeCheckpoint);
                written++;
            } catch (IOException | RuntimeException e) {
                LOG.error("audit device {} cannot write {}: {}", a.name(), a.spec().filePath(), e.getMessage());
            }
        }
        if (written == 0) {
            throw new AuditUnavailableException("no audit device could record the request");
        }
    }

    private Map<String, Object> entry(AuditRecord r, String type, Integer status, byte[] body, AuditDevices.Active a) {
        byte[] key = a.hmacKey();
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("id", r.requestId);
        request.put("operation", r.operation);
        request.put("path", r.path);
        request.put("mount_type", r.mountType == null ? "" : r.mountType);
        request.put("remote_address", r.remoteAddress);
        request.put("data", hmacExcept(r.data, r.nonHmacRequestKeys, key));
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("time", clock.instant().toString());
        e.put("type", type);
        e.put("auth", auth(r, key, a.spec().hmacAccessor()));
        e.put("request", request);
        if (status != null) {
            Map<String, Object> response = new LinkedHashMap<>();
            response.put("status", status);
            Map<String, Object> parsed = parse(body);
            Object errors = parsed.remove("errors");
            if (!r.nonHmacResponseKeys.isEmpty() && parsed.get("data") instanceof Map<?, ?> data) {
                @SuppressWarnings("unchecked")
                Map<String, Object> d = (Map<String, Object>) data;
                parsed.put("data", new ClearData(d));
            }
            response.put("body", hmacStringsExcept(parsed, r.nonHmacResponseKeys, key));
            e.put("response", response);
            e.put("error", errors == null ? "" : String.join("; ", asStrings(errors)));
        }
        return e;
    }

    private Map<String, Object> auth(AuditRecord r, byte[] key, boolean hmacAccessor) {
        if (r.token == null) {
            return null;
        }
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("client_token", hmac(key, r.presentedToken == null ? "" : r.presentedToken));
        a.put("accessor", hmacAccessor ? hmac(key, r.token.accessor()) : r.token.accessor());
        a.put("display_name", r.token.displayName());
        a.put("policies", r.token.policies());
        a.put("token_type", r.token.isBatch() ? "batch" : "service");
        return a;
    }

    private static Map<String, Object> parse(byte[] body) {
        if (body == null || body.length == 0) {
            return new LinkedHashMap<>();
        }
        try {
            return Json.MAPPER.readValue(body, new TypeReference<LinkedHashMap<String, Object>>() { });
        } catch (IOException e) {
            return new LinkedHashMap<>();
        }
    }

    private static List<String> asStrings(Object errors) {
        List<String> out = new ArrayList<>();
        if (errors instanceof List<?> l) {
            l.forEach(o -> out.add(String.valueOf(o)));
        }
        return out;
    }

    /** Marks the response's data block, whose listed keys are logged in clear. */
    private record ClearData(Map<String, Object> data) {
    }

    /** Top-level keys in {@code clear} as they are, everything else through {@link #hmacStrings}. */
    static Object hmacExcept(Map<String, Object> data, List<String> clear, byte[] key) {
        if (data == null || clear.isEmpty()) {
            return hmacStrings(data, key);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        data.forEach((k, v) -> out.put(k, clear.contains(k) ? v : hmacStrings(v, key)));
        return out;
    }

    private static Object hmacStringsExcept(Map<String, Object> body, List<String> clear, byte[] key) {
        Map<String, Object> out = new LinkedHashMap<>();
        body.forEach((k, v) -> out.put(k, v instanceof ClearData c ? hmacExcept(c.data(), clear, key)
                : hmacStrings(v, key)));
        return out;
    }

    /** Every string value (not key) replaced by its HMAC; numbers, booleans and nulls are kept. */
    @SuppressWarnings("unchecked")
    static Object hmacStrings(Object value, byte[] key) {
        if (value instanceof String s) {
            return hmac(key, s);
        }
        if (value instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            ((Map<String, Object>) m).forEach((k, v) -> out.put(k, hmacStrings(v, key)));
            return out;
        }
        if (value instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            l.forEach(v -> out.add(hmacStrings(v, key)));
            return out;
        }
        return value;
    }

    static String hmac(byte[] key, String input) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return "hmac-sha256:" + HexFormat.of().formatHex(mac.doFinal(input.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** sys/audit-hash: the HMAC a device would log for {@code input}. */
    public String hash(String device, String input) {
        AuditDevices.Active a = devices.find(device).orElseThrow(() -> EngineException.badRequest(
                "unknown audit device \"" + (device.endsWith("/") ? device.substring(0, device.length() - 1) : device)
                        + "\""));
        return hmac(a.hmacKey(), input);
    }

    /** sys/audit: each device as Vault lists it. */
    public Map<String, Object> describe() {
        return devices.describe();
    }
}
