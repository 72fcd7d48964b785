package io.custos.engine.sdk;

import java.util.HashMap;
import java.util.Map;

/**
 * One logical request to an engine: the operation, the path relative to the mount, the decoded
 * parameters (JSON body, or query parameters for reads), and attributes the broker attaches
 * (such as the calling token, for the broker's own backends). Its {@code toString} never shows
 * parameter values.
 */
public record Request(Operation operation, String path, Map<String, Object> data, String contentType,
        Map<String, Object> attributes) {

    /** Attribute: the client's IP address (a String), for engines that bind use to networks. */
    public static final String REMOTE_ADDRESS = "remote_address";
    /** Attribute: the X.509 certificate the client presented in the TLS handshake, if any. */
    public static final String CLIENT_CERTIFICATE = "tls_client_certificate";
    /**
     * Attribute: the certificates the client sent after its own in the handshake (intermediates,
     * a {@code List<X509Certificate>}, possibly empty): untrusted, for building a path only.
     */
    public static final String CLIENT_CERTIFICATE_CHAIN = "tls_client_certificate_chain";
    /** Attribute: the {@link LeaseIssuer} bound to this request (its token, policies and mount limits). */
    public static final String LEASES = "lease_issuer";
    /** Attribute: the request body as bytes, when it is not JSON (an OCSP request). */
    public static final String RAW_BODY = "raw_body";
    /** Attribute: the calling token's display name (Vault's {@code DisplayName}), for username templates. */
    public static final String DISPLAY_NAME = "display_name";

    public Request {
        data = data == null ? Map.of() : data;
        attributes = attributes == null ? Map.of() : attributes;
    }

    public Request(Operation operation, String path, Map<String, Object> data, String contentType) {
        this(operation, path, data, contentType, Map.of());
    }

    public Request(Operation operation, String path, Map<String, Object> data) {
        this(operation, path, data, "application/json", Map.of());
    }

    public Request withPath(String newPath) {
        return new Request(operation, newPath, data, contentType, attributes);
    }

    public Request withOperation(Operation newOperation) {
        return new Request(newOperation, path, data, contentType, attributes);
    }

    public Request withAttribute(String key, Object value) {
        Map<String, Object> a = new HashMap<>(attributes);
        a.put(key, value);
        return new Request(operation, path, data, contentType, a);
    }

    /** The same request with these attributes added (null values are skipped). */
    public Request withAttributes(Map<String, Object> more) {
        Map<String, Object> a = new HashMap<>(attributes);
        more.forEach((k, v) -> {
            if (v != null) {
                a.put(k, v);
            }
        });
        return new Request(operation, path, data, contentType, a);
    }

    /** The lease manager for this request; a 500-class error if the broker attached none. */
    public LeaseIssuer leases() {
        LeaseIssuer l = attribute(LEASES);
        if (l == null) {
            throw new IllegalStateException("this request carries no lease issuer");
        }
        return l;
    }

    @SuppressWarnings("unchecked")
    public <T> T attribute(String key) {
        return (T) attributes.get(key);
    }

    @Override
    public String toString() {
        return "Request[" + operation + " " + path + ", fields=" + data.keySet() + "]";
    }
}
