package io.custos.broker.http;

import io.micronaut.context.annotation.Replaces;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.server.exceptions.response.ErrorContext;
import io.micronaut.http.server.exceptions.response.ErrorResponseProcessor;
import jakarta.inject.Singleton;

/**
 * Errors raised by the HTTP server itself (unknown route, wrong method, body over the size limit)
 * in Vault's shape {@code {"errors":[...]}}, never Micronaut's default body or an HTML page.
 */
@Singleton
@Replaces(ErrorResponseProcessor.class)
public class VaultErrorResponseProcessor implements ErrorResponseProcessor<byte[]> {
    private final long maxRequestSize;

    public VaultErrorResponseProcessor(
            @io.micronaut.context.annotation.Value("${micronaut.server.max-request-size:1048576}") long maxRequestSize) {
        this.maxRequestSize = maxRequestSize;
    }

    @Override
    public MutableHttpResponse<byte[]> processResponse(ErrorContext errorContext, MutableHttpResponse<?> response) {
        boolean bodyTooLarge = errorContext.getRootCause()
                .map(t -> t.getClass().getSimpleName().equals("ContentLengthExceededException")).orElse(false);
        int status = response.code();
        String message = switch (status) {
            // Netty rejects an over-long request line or header block with a bare 413 and no cause
            case 413 -> bodyTooLarge ? "request body is larger than the limit of " + maxRequestSize + " bytes"
                    : "request too large: the request line or headers exceed the server's limits";
            case 404, 405 -> null;
            case 400 -> "bad request";
            default -> status >= 500 ? "internal error" : response.reason();
        };
        @SuppressWarnings("unchecked")
        MutableHttpResponse<byte[]> r = (MutableHttpResponse<byte[]>) response;
        if (status == 413 && !bodyTooLarge) {
            // the request could not even be parsed, so the connection is closed after this answer: say so,
            // or a keep-alive client sends its next request into a closed socket
            r.header("Connection", "close");
        }
        return r.contentType(MediaType.APPLICATION_JSON_TYPE).body(ResponseWriter.error(status, message).body());
    }
}
