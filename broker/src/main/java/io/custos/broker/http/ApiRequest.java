package io.custos.broker.http;

import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;

/**
 * One HTTP request as the dispatcher sees it, independent of the HTTP server: method, the raw
 * (still percent-encoded) path after {@code /v1/}, query, body, the token if one was sent, and
 * the {@code X-Vault-Wrap-TTL} header if the response is to be wrapped, and the certificates the
 * TLS client presented (its own first; empty when none).
 * {@code toString} shows neither body nor token.
 */
public record ApiRequest(String method, String rawPath, Map<String, List<String>> query, byte[] body,
        String contentType, String token, String remoteAddress, String wrapTtl,
        List<X509Certificate> clientCertificates) {

    public ApiRequest {
        clientCertificates = clientCertificates == null ? List.of() : List.copyOf(clientCertificates);
    }

    public ApiRequest(String method, String rawPath, Map<String, List<String>> query, byte[] body,
            String contentType, String token, String remoteAddress) {
        this(method, rawPath, query, body, contentType, token, remoteAddress, null, null);
    }

    /** The client's own certificate, or null. */
    public X509Certificate clientCertificate() {
        return clientCertificates.isEmpty() ? null : clientCertificates.get(0);
    }

    @Override
    public String toString() {
        return "ApiRequest[" + method + " " + rawPath + "]";
    }
}
