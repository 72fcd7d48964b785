package io.custos.broker.http;

import io.custos.engine.sdk.Json;
import io.custos.engine.sdk.Operation;
import io.custos.engine.sdk.Response;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Vault's response shapes: the JSON envelope, bare objects for sys/health and friends, and errors. */
final class ResponseWriter {
    private ResponseWriter() {
    }

    static ApiResponse error(int status, String message) {
        List<String> errors = message == null || message.isEmpty() ? List.of() : List.of(message);
        return new ApiResponse(status, Json.write(Map.of("errors", errors)));
    }

    static ApiResponse raw(Response r, boolean headOnly) {
        int status = r.status() == 0 ? 200 : r.status();
        return new ApiResponse(status, headOnly || r.data() == null ? ApiResponse.EMPTY : Json.write(r.data()));
    }

    /**
     * Vault's {@code injectDataIntoTopRoutes}: for these older sys paths the data fields are also
     * written at the top level of the answer, where hvac and other older clients read them.
     */
    private static final Set<String> INJECT_DATA = Set.of("sys/audit", "sys/auth",
            "sys/capabilities", "sys/capabilities-accessor", "sys/capabilities-self", "sys/key-status", "sys/mounts",
            "sys/policy", "sys/remount", "sys/rotate", "sys/wrapping/wrap");

    static boolean injectsData(String path) {
        return INJECT_DATA.contains(path)
                || path.startsWith("sys/audit/") || path.startsWith("sys/audit-hash/") || path.startsWith("sys/auth/")
                || path.startsWith("sys/mounts/") || path.startsWith("sys/policy/");
    }

    static ApiResponse envelope(String requestId, Response r, String mountType, Operation op, boolean injectData) {
        ApiResponse plain = envelope(requestId, r, mountType, op);
        if (!injectData || r == null || r.data() == null || r.data().isEmpty() || r.rawContentType() != null
                || plain.status() >= 400 || plain.body().length == 0) {
            return plain;
        }
        Map<String, Object> body = new LinkedHashMap<>(r.data());
        body.putAll(body(requestId, r, mountType));
        return new ApiResponse(plain.status(), Json.write(body));
    }

    static ApiResponse envelope(String requestId, Response r, String mountType, Operation op) {
        if (r != null && r.rawContentType() != null) {
            return new ApiResponse(r.status() == 0 ? 200 : r.status(), r.rawBody(), r.rawContentType());
        }
        if (r == null) {
            return op == Operation.READ || op == Operation.LIST ? error(404, null) : new ApiResponse(204, ApiResponse.EMPTY);
        }
        if (r.data() == null && r.auth() == null && r.warnings().isEmpty() && r.leaseId().isEmpty()) {
            return new ApiResponse(r.status() == 0 ? 204 : r.status(), ApiResponse.EMPTY);
        }
        if (r.status() == 404 && r.data() == null && r.auth() == null) {
            return error(404, null);
        }
        int status = r.status() == 0 || r.status() == 204 ? 200 : r.status();
        return new ApiResponse(status, Json.write(body(requestId, r, mountType)));
    }

    /** Vault's envelope as a map (what a wrapped response stores). */
    static Map<String, Object> body(String requestId, Response r, String mountType) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("request_id", requestId);
        body.put("lease_id", r.leaseId());
        body.put("renewable", r.renewable());
        body.put("lease_duration", r.leaseDuration());
        body.put("data", r.data());
        body.put("wrap_info", null);
        body.put("warnings", r.warnings().isEmpty() ? null : r.warnings());
        body.put("auth", r.auth());
        body.put("mount_type", mountType);
        return body;
    }

    /** The envelope that carries {@code wrap_info} in place of the response. */
    static ApiResponse wrapped(String requestId, Map<String, Object> wrapInfo) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("request_id", requestId);
        body.put("lease_id", "");
        body.put("renewable", false);
        body.put("lease_duration", 0);
        body.put("data", null);
        body.put("wrap_info", wrapInfo);
        body.put("warnings", null);
        body.put("auth", null);
        return new ApiResponse(200, Json.write(body));
    }
}
