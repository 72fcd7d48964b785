package io.custos.broker.http;

import java.util.List;
import java.util.Map;

/**
 * One HTTP request as the dispatcher sees it, independent of the HTTP server: method, the raw
 * (still percent-encoded) path after {@code /v1/}, query, body, and the token if one was sent.
 * {@code toString} shows neither body nor token.
 */
public record ApiRequest(String method, String rawPath, Map<String, List<String>> query, byte[] body,
        String contentType, String token, String remoteAddress) {

    @Override
    public String toString() {
        return "ApiRequest[" + method + " " + rawPath + "]";
    }
}
