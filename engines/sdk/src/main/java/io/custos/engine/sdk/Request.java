package io.custos.engine.sdk;

import java.util.Map;

/**
 * One logical request to an engine: the operation, the path relative to the mount, the decoded
 * parameters (JSON body, or query parameters for reads), and the typed {@link RequestContext}
 * the broker attaches. Its {@code toString} never shows parameter values.
 */
public record Request(Operation operation, String path, Map<String, Object> data, String contentType,
        RequestContext context) {

    public Request {
        data = data == null ? Map.of() : data;
        context = context == null ? RequestContext.NONE : context;
    }

    public Request(Operation operation, String path, Map<String, Object> data, String contentType) {
        this(operation, path, data, contentType, RequestContext.NONE);
    }

    public Request(Operation operation, String path, Map<String, Object> data) {
        this(operation, path, data, "application/json", RequestContext.NONE);
    }

    public Request withPath(String newPath) {
        return new Request(operation, newPath, data, contentType, context);
    }

    public Request withOperation(Operation newOperation) {
        return new Request(newOperation, path, data, contentType, context);
    }

    public Request withContext(RequestContext newContext) {
        return new Request(operation, path, data, contentType, newContext);
    }

    /** The lease issuer for this request; a 500-class error if the broker attached none. */
    public LeaseIssuer leases() {
        LeaseIssuer l = context.leases();
        if (l == null) {
            throw new IllegalStateException("this request carries no lease issuer");
        }
        return l;
    }

    /** The caller's display name, or {@code token} when no caller is known (Vault's default). */
    public String displayName() {
        Caller c = context.caller();
        return c == null || c.displayName() == null ? "token" : c.displayName();
    }

    @Override
    public String toString() {
        return "Request[" + operation + " " + path + ", fields=" + data.keySet() + "]";
    }
}
