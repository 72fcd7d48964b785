package io.custos.broker.http;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.CustomHttpMethod;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Patch;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.Put;
import io.micronaut.scheduling.TaskExecutors;
import jakarta.inject.Named;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * The HTTP transport of the Vault-compatible API: every method on {@code /v1/**}, including
 * Vault's {@code LIST}, goes to the {@link RequestDispatcher}. Bodies are taken as raw bytes and
 * parsed by the dispatcher so that every error has Vault's shape. A request whose path may be
 * answered from memory ({@code nonBlocking} in its declaration) is tried on the I/O thread that
 * read it; everything else, and such a request once it would wait on storage, runs on a worker
 * (storage is blocking JDBC).
 */
@Controller
public class VaultApiController {
    private static final String API = "/v1/{+path}";
    private final RequestDispatcher dispatcher;
    private final ExecutorService workers;

    public VaultApiController(RequestDispatcher dispatcher, @Named(TaskExecutors.BLOCKING) ExecutorService workers) {
        this.dispatcher = dispatcher;
        this.workers = workers;
    }

    @Get(value = API, produces = MediaType.APPLICATION_JSON)
    public CompletableFuture<HttpResponse<byte[]>> get(HttpRequest<?> request, @PathVariable String path) {
        return handle(request, null);
    }

    @CustomHttpMethod(method = "LIST", value = API, produces = MediaType.APPLICATION_JSON, consumes = MediaType.ALL)
    public CompletableFuture<HttpResponse<byte[]>> list(HttpRequest<?> request, @PathVariable String path,
            @Nullable @Body byte[] body) {
        return handle(request, body);
    }

    @Post(value = API, produces = MediaType.APPLICATION_JSON, consumes = MediaType.ALL)
    public CompletableFuture<HttpResponse<byte[]>> post(HttpRequest<?> request, @PathVariable String path,
            @Nullable @Body byte[] body) {
        return handle(request, body);
    }

    @Put(value = API, produces = MediaType.APPLICATION_JSON, consumes = MediaType.ALL)
    public CompletableFuture<HttpResponse<byte[]>> put(HttpRequest<?> request, @PathVariable String path,
            @Nullable @Body byte[] body) {
        return handle(request, body);
    }

    @Patch(value = API, produces = MediaType.APPLICATION_JSON, consumes = MediaType.ALL)
    public CompletableFuture<HttpResponse<byte[]>> patch(HttpRequest<?> request, @PathVariable String path,
            @Nullable @Body byte[] body) {
        return handle(request, body);
    }

    @Delete(value = API, produces = MediaType.APPLICATION_JSON, consumes = MediaType.ALL)
    public CompletableFuture<HttpResponse<byte[]>> delete(HttpRequest<?> request, @PathVariable String path,
            @Nullable @Body byte[] body) {
        return handle(request, body);
    }

    private CompletableFuture<HttpResponse<byte[]>> handle(HttpRequest<?> request, byte[] body) {
        String raw = request.getUri().getRawPath();
        String afterPrefix = raw.length() > 4 ? raw.substring(4) : "";
        ApiRequest api = new ApiRequest(request.getMethodName(), afterPrefix,
                queryOf(request), body, request.getContentType().map(MediaType::toString).orElse(null),
                token(request), request.getRemoteAddress().getAddress().getHostAddress(),
                request.getHeaders().get("X-Vault-Wrap-TTL"),
                // only logins (the cert method) look at the client certificate; finding it is not free
                afterPrefix.startsWith("auth/") ? peerCertificates(request) : List.of());
        CompletableFuture<ApiResponse> answered = dispatcher.dispatchWithoutBlocking(api);
        if (answered != null) {
            return answered.thenApply(VaultApiController::http);
        }
        return CompletableFuture.supplyAsync(() -> http(dispatcher.dispatch(api)), workers);
    }

    private static HttpResponse<byte[]> http(ApiResponse r) {
        // any code from 100 to 599 (sys/health?activecode=299 included), not only the ones HttpStatus names
        MutableHttpResponse<byte[]> response = statusOf(r.status());
        response.header(HttpHeaders.CACHE_CONTROL, "no-store");
        if (r.body().length > 0) {
            response.contentType(r.isJson() ? MediaType.APPLICATION_JSON_TYPE : MediaType.of(r.contentType()))
                    .body(r.body());
        }
        return response;
    }

    private static Map<String, List<String>> queryOf(HttpRequest<?> request) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        request.getParameters().forEach((k, v) -> out.put(k, v));
        return out;
    }

    /** Vault's header, or an OAuth-style bearer token. */
    private static String token(HttpRequest<?> request) {
        String t = request.getHeaders().get("X-Vault-Token");
        if (t != null && !t.isEmpty()) {
            return t;
        }
        String auth = request.getHeaders().get(HttpHeaders.AUTHORIZATION);
        if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return auth.substring(7).trim();
        }
        return null;
    }

    /** The response for a status: Micronaut's constant where it names one, else the bare code (e.g. 299). */
    private static MutableHttpResponse<byte[]> statusOf(int code) {
        HttpStatus known;
        try {
            known = HttpStatus.valueOf(code);
        } catch (IllegalArgumentException e) {
            return HttpResponse.<byte[]>ok().status(code, "Status " + code);
        }
        return HttpResponse.status(known);
    }

    /** The certificates the TLS client sent, its own first (empty without TLS or a client certificate). */
    private static List<X509Certificate> peerCertificates(HttpRequest<?> request) {
        return request.getSslSession().map(session -> {
            try {
                List<X509Certificate> out = new ArrayList<>();
                for (Certificate c : session.getPeerCertificates()) {
                    if (c instanceof X509Certificate x) {
                        out.add(x);
                    }
                }
                return out;
            } catch (SSLPeerUnverifiedException e) {
                return List.<X509Certificate>of(); // the client sent no certificate
            }
        }).orElse(List.of());
    }
}
