package io.custos.broker.sys;

import static io.custos.engine.sdk.Operation.DELETE;
import static io.custos.engine.sdk.Operation.READ;
import static io.custos.engine.sdk.Operation.UPDATE;

import io.custos.broker.audit.AuditBroker;
import io.custos.broker.audit.AuditChain;
import io.custos.engine.sdk.EngineException;
import io.custos.engine.sdk.Field;
import io.custos.engine.sdk.FieldType;
import io.custos.engine.sdk.PathSpec;
import io.custos.engine.sdk.Response;
import jakarta.inject.Singleton;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Audit devices: listed, verified ({@code audit/:path/verify}, Custos only) and hashed
 * ({@code audit-hash}); enabling and disabling them is the server configuration's job.
 */
@Singleton
public class AuditPaths implements SystemPathFamily {
    private final AuditBroker audit;

    public AuditPaths(AuditBroker audit) {
        this.audit = audit;
    }

    @Override
    public List<PathSpec> paths() {
        return List.of(
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
                        .build());
    }

    private static Response refuseAuditChange() {
        throw EngineException.badRequest("audit devices are declared in the server configuration "
                + "(custos.audit.devices), not through the API");
    }
}
