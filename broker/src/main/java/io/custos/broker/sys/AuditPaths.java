package io.custos.broker.sys;

import static io.custos.engine.sdk.Operation.DELETE;
import static io.custos.engine.sdk.Operation.READ;
import static io.custos.engine.sdk.Operation.UPDATE;

import io.custos.broker.audit.AuditBroker;
import io.custos.broker.audit.AuditChain;
import io.custos.broker.audit.AuditDeviceSpec;
import io.custos.broker.audit.AuditDevices;
import io.custos.engine.sdk.Field;
import io.custos.engine.sdk.FieldType;
import io.custos.engine.sdk.PathSpec;
import io.custos.engine.sdk.Response;
import jakarta.inject.Singleton;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Audit devices: listed, enabled and disabled ({@code audit/:path}; those of the server
 * configuration cannot be disabled here), verified ({@code audit/:path/verify}, Custos only) and
 * hashed ({@code audit-hash}).
 */
@Singleton
public class AuditPaths implements SystemPathFamily {
    private final AuditBroker audit;
    private final AuditDevices devices;

    public AuditPaths(AuditBroker audit, AuditDevices devices) {
        this.audit = audit;
        this.devices = devices;
    }

    @Override
    public List<PathSpec> paths() {
        return List.of(
                PathSpec.path("audit")
                        .on(READ, (r, d) -> Response.of(audit.describe()))
                        .help("Lists the audit devices: those of the server configuration and those enabled here.", "")
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
                        .fields(Field.of("type", FieldType.STRING, "Device type: file."),
                                Field.of("description", FieldType.STRING, "Description."),
                                Field.of("options", FieldType.MAP, "file_path (an absolute path, stdout or discard), "
                                        + "mode (octal, default 0600), hmac_accessor (default true), "
                                        + "fsync (always, interval or never; Custos), log_raw (false only), "
                                        + "format (json only)."),
                                Field.of("local", FieldType.BOOL, "Accepted for compatibility: every broker "
                                        + "sharing the storage writes to the device."))
                        .on(UPDATE, (r, d) -> {
                            devices.enable(AuditDeviceSpec.fromApi(d.getString("path"), d.getString("type"),
                                    d.getString("description"), d.getAs("options"), d.getBool("local")));
                            return Response.noContent();
                        })
                        .on(DELETE, (r, d) -> {
                            devices.disable(d.getString("path"));
                            return Response.noContent();
                        })
                        .help("Enables (PUT) or disables (DELETE) an audit device.",
                                "The device is stored and every broker sharing the storage writes to it "
                                        + "(each to the file on its own host). Requests fail closed while no "
                                        + "device can record them.")
                        .sudo()
                        .build(),
                PathSpec.path("audit-hash/(?P<path>.+)")
                        .fields(Field.of("input", FieldType.STRING, "The value to hash.").asSensitive().asRequired())
                        .on(UPDATE, (r, d) -> Response.of(Map.of("hash", audit.hash(d.getString("path"), d.getString("input")))))
                        .help("The HMAC an audit device logs for a value, to search the log.", "")
                        .build());
    }
}
