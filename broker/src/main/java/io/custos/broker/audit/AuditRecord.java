package io.custos.broker.audit;

import io.custos.broker.token.TokenEntry;
import java.util.List;
import java.util.Map;

/**
 * What the audit log needs to know about one request, filled in as the dispatcher learns it.
 * Holds the presented token and parameters only long enough to HMAC them; {@code toString}
 * shows neither.
 */
public final class AuditRecord {
    final String requestId;
    final String remoteAddress;
    String operation;
    String path;
    String mountType;
    Map<String, Object> data;
    TokenEntry token;
    String presentedToken;
    boolean requestLogged;
    List<String> nonHmacRequestKeys = List.of();
    List<String> nonHmacResponseKeys = List.of();

    public AuditRecord(String requestId, String remoteAddress) {
        this.requestId = requestId;
        this.remoteAddress = remoteAddress;
    }

    public void identify(String operation, String path, Map<String, Object> data, TokenEntry token, String presented) {
        this.operation = operation;
        this.path = path;
        this.data = data;
        this.token = token;
        this.presentedToken = presented;
    }

    /** The type of the mount the request reached ({@code kv}, {@code system}, ...), once routed. */
    public void mountType(String type) {
        this.mountType = type;
    }

    /** The routed mount's type, or null before routing (or when nothing is mounted there). */
    public String mountType() {
        return mountType;
    }

    /** The operation as a capability ({@code read}, {@code update}...), or null before the request was identified. */
    public String operation() {
        return operation;
    }

    /**
     * The mount's {@code audit_non_hmac_request_keys} and {@code audit_non_hmac_response_keys}:
     * top-level request and response data keys logged as they are instead of as HMACs.
     */
    public void logInClear(List<String> requestKeys, List<String> responseKeys) {
        this.nonHmacRequestKeys = requestKeys;
        this.nonHmacResponseKeys = responseKeys;
    }

    @Override
    public String toString() {
        return "AuditRecord[" + requestId + " " + operation + " " + path + "]";
    }
}
