package io.custos.broker.audit;

import io.custos.broker.token.TokenEntry;
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
    Map<String, Object> data;
    TokenEntry token;
    String presentedToken;
    boolean requestLogged;

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

    @Override
    public String toString() {
        return "AuditRecord[" + requestId + " " + operation + " " + path + "]";
    }
}
