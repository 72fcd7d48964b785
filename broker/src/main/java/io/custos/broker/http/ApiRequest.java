package io.custos.broker.http;

import java.util.List;
import java.util.Map;

/**
 * One HTTP request as the dispatcher sees it, independent of the HTTP server: method, the raw
 * (still percent-encoded) path after {@code /v1/}, query, body, the token if one was sent, and
 * the {@code X-Vault-Wrap-TTL} header if the response is to be wrapped, and the TLS client
 * certificate if one was presented.
 * {@code toString} shows neither body nor token.
 */
public record ApiRequest(String method, String rawPath, Map<String, List<String>> query, byte[] body,
        String contentType, String token, String remoteAddress, String wrapTtl,
        java.security.cert.Certificate clientCertificate) {

    public ApiRequest(String method, String rawPath, Map<String, List<String>> query, byte[] body,
            String contentType, String token, String remoteAddress) {
        this(method, rawPath, query, body, contentType, token, remoteAddress, null, null);
    }

    @Override
    public String toString() {
        return "ApiRequest[" + method + " " + rawPath + "]";
    }
}
