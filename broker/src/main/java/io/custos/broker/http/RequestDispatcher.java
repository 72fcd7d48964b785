package io.custos.broker.http;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import io.custos.broker.audit.AuditBroker;
import io.custos.broker.audit.AuditRecord;
import io.custos.broker.audit.AuditUnavailableException;
import io.custos.broker.barrier.IntegrityException;
import io.custos.broker.barrier.SealedException;
import io.custos.engine.sdk.EngineException;
import io.custos.engine.sdk.Json;
import io.custos.engine.sdk.NonBlocking;
import io.custos.engine.sdk.Operation;
import io.custos.engine.sdk.Request;
import io.custos.engine.sdk.RequestContext;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The transport's half of a request: method → operation, the path decoded and checked, the body
 * parsed (JSON, a form, or raw bytes), the request's typed context (remote address, presented
 * token and certificates); then {@link Router} does the rest, and every answer is audited before
 * it leaves. Every failure a client can cause becomes a 4xx naming the problem; anything else is a
 * 500 that echoes nothing and is logged with the request id.
 */
@Singleton
class RequestDispatcher {
    private static final Logger LOG = LoggerFactory.getLogger(RequestDispatcher.class);
    static final String REQUEST_ID = "request_id";

    private static final Duration[] LATENCY_BUCKETS = {Duration.ofNanos(250_000), Duration.ofMillis(1),
        Duration.ofNanos(2_500_000), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
        Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
        Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10)};

    private final AuditBroker audit;
    private final Router router;
    private final MeterRegistry meters;
    private final Map<String, Timer> timers = new ConcurrentHashMap<>();
    private final Map<Integer, Counter> responses = new ConcurrentHashMap<>();
    private final Counter answeredInMemory;
    private final Counter wouldBlock;

    RequestDispatcher(AuditBroker audit, Router router, MeterRegistry meters) {
        this.audit = audit;
        this.router = router;
        this.meters = meters;
        String description = "Requests of nonBlocking paths tried on the I/O thread that read them: answered there"
                + " from memory, or run again on a worker because they would have waited";
        this.answeredInMemory = Counter.builder("custos.requests.io_thread").description(description)
                .tag("outcome", "answered").register(meters);
        this.wouldBlock = Counter.builder("custos.requests.io_thread").description(description)
                .tag("outcome", "would_block").register(meters);
    }

    /** Handles one request; what is logged meanwhile carries its id ({@code request_id} in the MDC). */
    public ApiResponse dispatch(ApiRequest http) {
        return dispatch(http, false).join(); // a worker's request writes before it answers: complete
    }

    /**
     * The request answered on this (I/O) thread from what the broker holds in memory — complete,
     * or, when it queued records to store ({@link NonBlocking#defer}), once they are committed — or
     * null when it cannot be: its path is not declared {@code nonBlocking}, an audit device must
     * record it, or something it needed would have waited ({@link NonBlocking}); nothing of the
     * attempt is then kept or counted, and the caller hands the request to a worker.
     */
    public CompletableFuture<ApiResponse> dispatchWithoutBlocking(ApiRequest http) {
        return audit.active() ? null : dispatch(http, true);
    }

    private CompletableFuture<ApiResponse> dispatch(ApiRequest http, boolean inMemory) {
        long start = System.nanoTime();
        String requestId = requestId();
        MDC.put(REQUEST_ID, requestId);
        AuditRecord record = new AuditRecord(requestId, http.remoteAddress());
        ApiResponse response = null;
        NonBlocking.Outcome outcome = NonBlocking.Outcome.ANSWERED;
        List<Supplier<CompletableFuture<Void>>> writes = List.of();
        if (inMemory) {
            NonBlocking.begin();
        }
        try {
            response = handle(http, requestId, record);
            try {
                audit.logResponse(record, response.status(), response.isJson() ? response.body()
                        : Json.write(Map.of("content_type", response.contentType(), "bytes", response.body().length)));
            } catch (AuditUnavailableException e) {
                // fail closed: what could not be recorded is not returned
                response = ResponseWriter.error(500, "internal error");
            }
        } catch (NonBlocking.WouldBlock e) {
            response = null; // the attempt is over; a worker starts again
        } finally {
            MDC.remove(REQUEST_ID);
            if (inMemory) {
                outcome = NonBlocking.end();
                writes = NonBlocking.takeDeferred();
            }
            if (outcome == NonBlocking.Outcome.ANSWERED && writes.isEmpty()) {
                measure(record, response == null ? 500 : response.status(), System.nanoTime() - start);
            }
        }
        if (inMemory && outcome != NonBlocking.Outcome.DECLINED) {
            (outcome == NonBlocking.Outcome.ANSWERED ? answeredInMemory : wouldBlock).increment();
        }
        if (outcome != NonBlocking.Outcome.ANSWERED) {
            return null;
        }
        return writes.isEmpty() ? CompletableFuture.completedFuture(response)
                : afterCommit(writes, response, record, requestId, start);
    }

    /**
     * Starts the writes an answered attempt deferred; the answer once all are committed, or, if any
     * failed, the 503 a failed write gives on a worker (the answer, a certificate say, is dropped).
     */
    private CompletableFuture<ApiResponse> afterCommit(List<Supplier<CompletableFuture<Void>>> writes,
            ApiResponse answer, AuditRecord record, String requestId, long start) {
        CompletableFuture<?>[] started = new CompletableFuture<?>[writes.size()];
        for (int i = 0; i < started.length; i++) {
            try {
                started[i] = writes.get(i).get();
            } catch (RuntimeException e) {
                started[i] = CompletableFuture.failedFuture(e);
            }
        }
        return CompletableFuture.allOf(started).handle((done, failed) -> {
            ApiResponse response = answer;
            if (failed != null) {
                LOG.error("request {}: storage unavailable: {}", requestId, failed.getCause() == null
                        ? failed.getClass().getName() : failed.getCause().getClass().getName());
                response = ResponseWriter.error(503, "storage is unavailable");
            }
            measure(record, response.status(), System.nanoTime() - start);
            return response;
        });
    }

    /** Latency by mount type and operation, and answers by status (sys/metrics); meters made once per key. */
    private void measure(AuditRecord record, int status, long nanos) {
        String mountType = record.mountType() == null ? "none" : record.mountType();
        String operation = record.operation() == null ? "none" : record.operation();
        timers.computeIfAbsent(mountType + ' ' + operation, k -> Timer.builder("custos.request")
                .description("Requests handled, by the type of the mount they reached and their operation")
                .tags("mount_type", mountType, "operation", operation)
                .serviceLevelObjectives(LATENCY_BUCKETS).register(meters)).record(nanos, TimeUnit.NANOSECONDS);
        responses.computeIfAbsent(status, s -> Counter.builder("custos.responses").description("Answers by HTTP status")
                .tag("status", Integer.toString(s)).register(meters)).increment();
    }

    private ApiResponse handle(ApiRequest http, String requestId, AuditRecord record) {
        try {
            return route(http, requestId, record);
        } catch (NonBlocking.WouldBlock e) {
            throw e;
        } catch (AuditUnavailableException e) {
            LOG.error("request {} refused: {}", requestId, e.getMessage());
            return ResponseWriter.error(500, "internal error");
        } catch (EngineException e) {
            return ResponseWriter.error(e.status(), e.getMessage());
        } catch (SealedException e) {
            return ResponseWriter.error(503, "Custos is sealed");
        } catch (IntegrityException e) {
            LOG.error("request {}: stored data failed integrity check: {}", requestId, e.getMessage());
            return ResponseWriter.error(500, "internal error: stored data failed its integrity check");
        } catch (RuntimeException e) {
            if (isStorageFailure(e)) {
                LOG.error("request {}: storage unavailable: {}", requestId, e.getClass().getName());
                return ResponseWriter.error(503, "storage is unavailable");
            }
            LOG.error("request {} failed", requestId, e);
            return ResponseWriter.error(500, "internal error");
        }
    }

    private ApiResponse route(ApiRequest http, String requestId, AuditRecord record) {
        Operation op = operation(http);
        DecodedPath decoded = decodePath(http.rawPath());
        // as Vault: a LIST is of a folder, so its path (and the policy path it is checked against) ends in '/'
        String path = op == Operation.LIST && !decoded.path().endsWith("/") ? decoded.path() + "/" : decoded.path();
        List<X509Certificate> presented = http.clientCertificates();
        RequestContext context = RequestContext.NONE.withRemoteAddress(http.remoteAddress())
                .withClientToken(http.token())
                .withClientCertificates(http.clientCertificate(),
                        presented.isEmpty() ? List.of() : presented.subList(1, presented.size()));
        if (isRawBody(http.contentType()) && http.body() != null) {
            context = context.withRawBody(http.body()); // an OCSP request: bytes, not JSON
        }
        Request request = new Request(op, path, parameters(http, op), http.contentType(), context);
        return router.route(new Router.Call(http, request, decoded.problem(), requestId, record));
    }

    /**
     * A random version-4 UUID for correlation. Not a secret, so it comes from ThreadLocalRandom:
     * {@link UUID#randomUUID()} serialises every request on one shared SecureRandom.
     */
    static String requestId() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long hi = (r.nextLong() & ~0xF000L) | 0x4000L;
        long lo = (r.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(hi, lo).toString();
    }

    /** Bodies that are not JSON parameters: an OCSP request (RFC 6960 §A.1). */
    static boolean isRawBody(String contentType) {
        return contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith("application/ocsp-request");
    }

    /**
     * Vault's rule: a form only when declared so and the body does not start like JSON ('{' or '['
     * after whitespace), since clients such as {@code curl -d '{...}'} send JSON with the form type.
     */
    private static boolean isForm(String contentType, byte[] body) {
        if (contentType == null || !contentType.toLowerCase(Locale.ROOT)
                .startsWith("application/x-www-form-urlencoded")) {
            return false;
        }
        for (byte b : body) {
            if (b == ' ' || b == '\t' || b == '\r' || b == '\n') {
                continue;
            }
            return b != '{' && b != '[';
        }
        return true;
    }

    /** A form-encoded body, as Vault reads one: a key given once is a string, a repeated key a list. */
    private static Map<String, Object> parseForm(byte[] body) {
        Map<String, List<String>> values = new LinkedHashMap<>();
        for (String pair : new String(body, StandardCharsets.UTF_8).split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            try {
                String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                values.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
            } catch (IllegalArgumentException e) {
                throw EngineException.badRequest("failed to parse form input: bad percent-encoding");
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        values.forEach((k, v) -> out.put(k, v.size() == 1 ? v.get(0) : v));
        return out;
    }

    /**
     * A request path, percent-decoded segment by segment, and what is wrong with it, if anything:
     * an empty segment or an encoded '/' is refused unless the path's declaration is lenient (an
     * OCSP GET's base64); that is the router's call, once it knows the declaration.
     */
    record DecodedPath(String path, String problem) {
    }

    /** Decodes and checks the path: never "." or ".." segments or control characters (a trailing '/' is allowed). */
    static DecodedPath decodePath(String raw) {
        if (raw.isEmpty()) {
            throw EngineException.notFound("missing request path");
        }
        String[] segments = raw.split("/", -1);
        List<String> out = new ArrayList<>();
        String problem = null;
        for (int i = 0; i < segments.length; i++) {
            String s;
            try {
                s = URLDecoder.decode(segments[i].replace("+", "%2B"), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw EngineException.badRequest("invalid request path: bad percent-encoding");
            }
            if (s.equals(".") || s.equals("..")) {
                throw EngineException.badRequest("invalid request path: '" + s + "' segments are not allowed");
            }
            if (s.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
                throw EngineException.badRequest("invalid request path: encoded '/' or control characters");
            }
            boolean last = i == segments.length - 1;
            if (problem == null && s.isEmpty() && !(last && i > 0)) {
                problem = "invalid request path: empty path segment";
            } else if (problem == null && s.contains("/")) {
                problem = "invalid request path: encoded '/' or control characters";
            }
            out.add(s);
        }
        return new DecodedPath(String.join("/", out), problem);
    }

    private static Operation operation(ApiRequest http) {
        return switch (http.method()) {
            case "GET", "HEAD" -> "true".equalsIgnoreCase(first(http.query().get("list"))) ? Operation.LIST
                    : Operation.READ;
            case "LIST" -> Operation.LIST;
            case "POST", "PUT" -> Operation.UPDATE;
            case "PATCH" -> Operation.PATCH;
            case "DELETE" -> Operation.DELETE;
            default -> throw new EngineException(405, "unsupported method " + http.method());
        };
    }

    private static Map<String, Object> parameters(ApiRequest http, Operation op) {
        Map<String, Object> data = new LinkedHashMap<>();
        if (op == Operation.READ || op == Operation.LIST || op == Operation.DELETE) {
            http.query().forEach((k, v) -> {
                if (!k.equals("list") && !v.isEmpty()) {
                    data.put(k, v.size() == 1 ? v.get(0) : v);
                }
            });
        }
        byte[] body = http.body();
        if (isRawBody(http.contentType())) {
            return data; // handed to the engine as bytes (Request.RAW_BODY)
        }
        if (body != null && body.length > 0 && !isBlank(body)) {
            data.putAll(isForm(http.contentType(), body) ? parseForm(body) : parseObject(body));
        }
        return data;
    }

    /**
     * Jackson's limit message without its internals ("..., from `StreamReadConstraints.getMaxNestingDepth()`"):
     * what was exceeded and the limit, e.g. "document nesting depth (1001) exceeds the maximum allowed (1000)".
     */
    static String limitMessage(String jackson) {
        String m = jackson == null ? "a size limit was exceeded" : jackson;
        m = m.replaceAll(",? *from `[^`]*`", "").replaceAll("\\s*\\(\\s*\\)", "");
        int dot = m.indexOf(". ");
        m = dot > 0 ? m.substring(0, dot) : m;
        m = m.replace("StreamReadConstraints", "").trim();
        return m.isEmpty() ? "a size limit was exceeded" : Character.toLowerCase(m.charAt(0)) + m.substring(1);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> parseObject(byte[] body) {
        Object parsed;
        try {
            parsed = Json.MAPPER.readValue(body, Object.class);
        } catch (StreamConstraintsException e) {
            // a limit such as nesting depth: the message names the limit, not the input
            throw EngineException.badRequest("failed to parse JSON input: " + limitMessage(e.getOriginalMessage()));
        } catch (JsonProcessingException e) {
            // the parser's own message quotes the input, which may be a secret: give only the place
            JsonLocation at = e.getLocation();
            throw EngineException.badRequest("failed to parse JSON input: malformed JSON"
                    + (at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr()));
        } catch (IOException e) {
            throw EngineException.badRequest("failed to read the request body");
        }
        if (!(parsed instanceof Map)) {
            throw EngineException.badRequest("failed to parse JSON input: the request body must be a JSON object");
        }
        return (Map<String, Object>) parsed;
    }

    private static boolean isBlank(byte[] body) {
        for (byte b : body) {
            if (b != ' ' && b != '\n' && b != '\r' && b != '\t') {
                return false;
            }
        }
        return true;
    }

    private static String first(List<String> values) {
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    private static boolean isStorageFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException || t.getClass().getName().startsWith("io.micronaut.data.exceptions")
                    || t.getClass().getName().startsWith("io.micronaut.transaction")) {
                return true;
            }
        }
        return false;
    }
}
