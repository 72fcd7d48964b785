package io.custos.broker.http;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import io.custos.broker.BuildInfo;
import io.custos.broker.audit.AuditBroker;
import io.custos.broker.audit.AuditRecord;
import io.custos.broker.audit.AuditUnavailableException;
import io.custos.broker.barrier.IntegrityException;
import io.custos.broker.barrier.SealedException;
import io.custos.broker.lease.LeaseBackend;
import io.custos.broker.lease.LeaseManager;
import io.custos.broker.mount.AuthMountTable;
import io.custos.broker.mount.MountEntry;
import io.custos.broker.mount.MountSettings;
import io.custos.broker.mount.MountTable;
import io.custos.broker.policy.Acl;
import io.custos.broker.policy.PolicyStore;
import io.custos.broker.policy.RootPaths;
import io.custos.broker.seal.Core;
import io.custos.broker.sys.MountPaths;
import io.custos.broker.sys.SystemBackend;
import io.custos.broker.token.TokenEntry;
import io.custos.broker.token.TokenStore;
import io.custos.engine.sdk.Cidr;
import io.custos.engine.sdk.EngineException;
import io.custos.engine.sdk.GoDuration;
import io.custos.engine.sdk.Json;
import io.custos.engine.sdk.OpenApiDocument;
import io.custos.engine.sdk.Operation;
import io.custos.engine.sdk.PathSpec;
import io.custos.engine.sdk.Request;
import io.custos.engine.sdk.Response;
import io.custos.engine.sdk.SecretsEngine;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns an HTTP request into a logical request and back, Vault's way: method → operation, path
 * checks, seal gate (503), token check (403), routing to {@code sys/}, {@code auth/token/} or the
 * mounted engine, and the JSON envelope. Every failure a client can cause becomes a 4xx naming the
 * problem; anything else is a 500 that echoes nothing and is logged with the request id.
 */
@Singleton
public class RequestDispatcher {
    private static final Logger LOG = LoggerFactory.getLogger(RequestDispatcher.class);
    static final String MERGE_PATCH = "application/merge-patch+json";

    private final Core core;
    private final TokenStore tokens;
    private final MountTable mounts;
    private final SystemBackend system;
    private final TokenBackend tokenBackend;
    private final PolicyStore policies;
    private final AuditBroker audit;
    private final WrappingBackend wrapping;
    private final AuthMountTable authMounts;
    private final LeaseManager leases;
    private final LeaseBackend leaseBackend;
    private final CubbyholeBackend cubbyhole;
    private final MountPaths mountPaths;

    public RequestDispatcher(Core core, TokenStore tokens, MountTable mounts, SystemBackend system,
            TokenBackend tokenBackend, PolicyStore policies, AuditBroker audit, WrappingBackend wrapping,
            AuthMountTable authMounts, LeaseManager leases, LeaseBackend leaseBackend, CubbyholeBackend cubbyhole,
            MountPaths mountPaths) {
        this.cubbyhole = cubbyhole;
        this.mountPaths = mountPaths;
        this.leases = leases;
        this.leaseBackend = leaseBackend;
        this.core = core;
        this.tokens = tokens;
        this.mounts = mounts;
        this.system = system;
        this.tokenBackend = tokenBackend;
        this.policies = policies;
        this.audit = audit;
        this.wrapping = wrapping;
        this.authMounts = authMounts;
    }

    public ApiResponse dispatch(ApiRequest http) {
        String requestId = requestId();
        AuditRecord record = new AuditRecord(requestId, http.remoteAddress());
        ApiResponse response = handle(http, requestId, record);
        try {
            audit.logResponse(record, response.status(), response.isJson() ? response.body()
                    : Json.write(Map.of("content_type", response.contentType(), "bytes", response.body().length)));
            return response;
        } catch (AuditUnavailableException e) {
            // fail closed: what could not be recorded is not returned
            return ResponseWriter.error(500, "internal error");
        }
    }

    private ApiResponse handle(ApiRequest http, String requestId, AuditRecord record) {
        try {
            return route(http, requestId, record);
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
        String decoded = decodePath(http.rawPath());
        // as Vault: a LIST is of a folder, so its path (and the policy path it is checked against) ends in '/'
        String path = op == Operation.LIST && !decoded.endsWith("/") ? decoded + "/" : decoded;
        Map<String, Object> data = parameters(http, op);
        Request request = new Request(op, path, data, http.contentType());
        if (isRawBody(http.contentType()) && http.body() != null) {
            request = request.withAttribute(Request.RAW_BODY, http.body()); // an OCSP request: bytes, not JSON
        }

        String sysPath = path.startsWith("sys/") ? path.substring(4) : null;
        if (sysPath != null && SystemBackend.SEAL_EXEMPT.contains(sysPath)) {
            return ResponseWriter.raw(system.handle(request.withPath(sysPath)), http.method().equals("HEAD"));
        }
        if (core.isSealed()) {
            throw new SealedException();
        }
        if (sysPath != null && SystemBackend.UNAUTHENTICATED.contains(sysPath)) {
            return ResponseWriter.raw(system.handle(request.withPath(sysPath)), false);
        }
        if (path.equals("sys/internal/ui/mounts") && op == Operation.READ) {
            return uiMounts(request, http, requestId, record);
        }
        if (path.equals("sys/wrapping/lookup") && (op == Operation.READ || op == Operation.UPDATE)) {
            return wrappingLookup(request, http, requestId, record);
        }
        if (path.startsWith("auth/") && !path.startsWith("auth/token/")) {
            ApiResponse login = tryLogin(path, op, request, http, requestId, record);
            if (login != null) {
                return login;
            }
        }
        MountTable.Mounted secretTarget = null;
        if (!path.startsWith("sys/") && !path.startsWith("auth/")) {
            secretTarget = mounts.resolve(path).orElse(null);
            ApiResponse open = secretTarget == null || secretTarget.engine().unauthenticatedPaths().isEmpty() ? null
                    : tryUnauthenticated(secretTarget, path, op, request, http, requestId, record);
            if (open != null) {
                return open;
            }
        }
        TokenStore.Found found = tokens.find(http.token()).orElse(null);
        TokenEntry token = found == null ? null : found.entry();
        record.identify(op.capability(), path, data, token, http.token());
        MountTable.Mounted audited = secretTarget != null ? secretTarget
                : path.startsWith("auth/") && !path.startsWith("auth/token/")
                        ? authMounts.resolve(path.substring(5)).orElse(null) : null;
        if (audited != null) {
            logInClear(record, audited.entry());
        }
        audit.logRequest(record);
        if (token == null || !Cidr.allows(token.boundCidrs(), http.remoteAddress())) {
            throw new EngineException(403, "permission denied");
        }
        if (op == Operation.PATCH && !isMergePatch(http.contentType())) {
            throw new EngineException(415, "PATCH requires Content-Type: " + MERGE_PATCH);
        }

        Acl acl = policies.acl(token.policies());
        SecretsEngine engine;
        String relative;
        String mountType;
        MountTable.Mounted secretMount = null;
        if (sysPath != null && LeaseBackend.serves(sysPath)) {
            engine = leaseBackend;
            relative = sysPath;
            mountType = "system";
        } else if (path.startsWith("sys/wrapping/")) {
            engine = wrapping;
            relative = path.substring("sys/wrapping/".length());
            mountType = "system";
        } else if (path.startsWith("sys/")) {
            engine = system;
            relative = path.substring(4);
            mountType = "system";
            if (relative.startsWith("internal/ui/mounts/")) {
                authorizeMountLookup(acl, relative.substring("internal/ui/mounts/".length()));
                return ResponseWriter.envelope(requestId, system.handle(request.withPath(relative)), mountType, op);
            }
        } else if (path.startsWith("auth/token/")) {
            engine = tokenBackend;
            relative = path.substring(11);
            mountType = "token";
        } else if (path.startsWith("auth/")) {
            MountTable.Mounted m = authMounts.resolve(path.substring(5)).orElseThrow(() -> noRoute(acl, op, path));
            engine = m.engine();
            relative = remainder(path.substring(5), m.entry().path());
            mountType = m.entry().type();
        } else if (path.equals("cubbyhole") || path.startsWith("cubbyhole/")) {
            engine = cubbyhole;
            relative = path.equals("cubbyhole") ? "" : path.substring("cubbyhole/".length());
            mountType = "cubbyhole";
        } else {
            if (secretTarget == null) {
                throw noRoute(acl, op, path);
            }
            MountTable.Mounted m = secretTarget;
            secretMount = m;
            engine = m.engine();
            relative = remainder(path, m.entry().path());
            mountType = m.entry().type();
        }
        Request routed = request.withPath(relative);
        if (isHelp(http)) {
            return help(acl, engine, path, relative);
        }
        if (op == Operation.UPDATE) {
            routed = routed.withOperation(engine.classifyWrite(routed));
        }
        boolean sudo = RootPaths.needsSudo(path) || matchesAny(engine.sudoPaths(), relative);
        Acl.Decision decision = authorize(acl, routed.operation(), path, engine.policyParameters(routed), sudo);
        Duration wrapTtl = wrapTtl(http.wrapTtl(), decision);
        if (!tokens.spendUse(found)) {
            throw new EngineException(403, "permission denied");
        }
        Map<String, Object> attributes = new HashMap<>();
        attributes.put(TokenBackend.CALLER, new TokenBackend.Caller(token, http.token()));
        attributes.put(TokenBackend.DECISION, decision);
        attributes.put(WrappingBackend.WRAP_TTL, wrapTtl);
        attributes.put(Request.REMOTE_ADDRESS, http.remoteAddress());
        attributes.put(Request.DISPLAY_NAME, token.displayName());
        if (secretMount != null) {
            // a batch token's leases belong to its parent (revoked with it) and end by the batch token's expiry
            attributes.put(Request.LEASES, leases.issuer(stripSlash(path), secretMount.entry(), engine,
                    token.isBatch() ? token.parentAccessor() : token.accessor(), token.expireTime(),
                    decision.defaultTtl(), decision.maxTtl()));
        }
        routed = routed.withAttributes(attributes);
        if (engine == system && SystemBackend.RAW_RESPONSES.contains(relative)) {
            return ResponseWriter.raw(system.handle(routed), false);
        }
        Response response = engine.handle(routed);
        if (secretMount != null && op == Operation.READ && response != null && response.leaseId().isEmpty()
                && response.leaseDuration() == 0 && response.data() != null && isKvV1(secretMount.entry())) {
            // as Vault: a KV v1 read carries the mount's default lease TTL as its refresh hint
            response.withLease("", leases.defaultTtl(secretMount.entry()).toSeconds(), false);
        }
        if (response != null && response.data() != null && response.data().get(WrappingBackend.WRAP_INFO) != null) {
            return ResponseWriter.wrapped(requestId, cast(response.data().get(WrappingBackend.WRAP_INFO)));
        }
        if (wrapTtl != null && response != null && (response.data() != null || response.auth() != null)
                && response.status() < 400) {
            return ResponseWriter.wrapped(requestId, wrapping.wrap(ResponseWriter.body(requestId, response, mountType),
                    path, wrapTtl));
        }
        return ResponseWriter.envelope(requestId, response, mountType, op, ResponseWriter.injectsData(path));
    }

    private static void logInClear(AuditRecord record, MountEntry mount) {
        record.logInClear(mount.listSetting(MountSettings.AUDIT_NON_HMAC_REQUEST_KEYS),
                mount.listSetting(MountSettings.AUDIT_NON_HMAC_RESPONSE_KEYS));
    }

    private static boolean isKvV1(MountEntry mount) {
        return mount.type().equals("kv") && !"2".equals(mount.options().get("version"));
    }

    private static boolean isHelp(ApiRequest http) {
        String v = first(http.query().get("help"));
        return "1".equals(v) || "true".equalsIgnoreCase(v);
    }

    /**
     * {@code ?help=1} ({@code vault path-help}): the declaration's help for a caller with any
     * capability on the path, as a bare object {@code {help, openapi}} the way Vault answers.
     */
    private static ApiResponse help(Acl acl, SecretsEngine engine, String path, String relative) {
        if (acl.capabilities(path).contains("deny")) {
            throw new EngineException(403, "permission denied");
        }
        PathSpec spec = engine.paths().stream().filter(p -> p.matches(relative)).findFirst()
                .orElseThrow(() -> EngineException.notFound("no help for path \"" + path + "\""));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("help", spec.helpText(path));
        String mount = path.substring(0, path.length() - relative.length());
        out.put("openapi", OpenApiDocument.build("Custos HTTP API",
                BuildInfo.CUSTOS_VERSION, Map.of(mount, List.of(spec))));
        out.put("see_also", null);
        return new ApiResponse(200, Json.write(out));
    }

    private static String stripSlash(String path) {
        return path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }

    private static String remainder(String path, String mountPath) {
        return path.length() >= mountPath.length() ? path.substring(mountPath.length()) : "";
    }

    /**
     * An auth method's unauthenticated path (its login): answered without a token, audited, and
     * when it returns an auth block, the broker issues the token. Null when the path is not one.
     */
    private ApiResponse tryLogin(String path, Operation op, Request request, ApiRequest http, String requestId,
            AuditRecord record) {
        MountTable.Mounted m = authMounts.resolve(path.substring(5)).orElse(null);
        if (m == null) {
            return null;
        }
        String relative = remainder(path.substring(5), m.entry().path());
        if (!matchesAny(m.engine().unauthenticatedPaths(), relative)) {
            return null;
        }
        record.identify(op.capability(), path, request.data(), null, null);
        logInClear(record, m.entry());
        audit.logRequest(record);
        Duration wrapTtl = requestedWrapTtl(http.wrapTtl()); // no token, so no policy bounds: as Vault
        Map<String, Object> attributes = new HashMap<>();
        attributes.put(Request.REMOTE_ADDRESS, http.remoteAddress());
        attributes.put(Request.CLIENT_CERTIFICATE, http.clientCertificate());
        attributes.put(Request.CLIENT_CERTIFICATE_CHAIN, http.clientCertificates().isEmpty() ? List.of()
                : http.clientCertificates().subList(1, http.clientCertificates().size()));
        Response r = m.engine().handle(request.withPath(relative).withAttributes(attributes));
        if (r != null && r.auth() != null) {
            r = tokenBackend.issueForLogin(r, path, m.entry());
        }
        if (wrapTtl != null && r != null && (r.auth() != null || r.data() != null) && r.status() < 400) {
            // a wrapped login (vault write -wrap-ttl=... auth/approle/login, Vault Agent's wrap_ttl)
            return ResponseWriter.wrapped(requestId, wrapping.wrap(ResponseWriter.body(requestId, r, m.entry().type()),
                    path, wrapTtl));
        }
        return ResponseWriter.envelope(requestId, r, m.entry().type(), op);
    }

    /**
     * {@code sys/wrapping/lookup}, served without a token as Vault does (Vault Agent checks a wrapped
     * secret-id's creation path this way): the wrapping token, in the body or in X-Vault-Token, is
     * the credential, and the lookup does not spend it. Audited.
     */
    private ApiResponse wrappingLookup(Request request, ApiRequest http, String requestId, AuditRecord record) {
        record.identify(request.operation().capability(), request.path(), request.data(), null, null);
        audit.logRequest(record);
        Map<String, Object> attributes = new HashMap<>();
        attributes.put(Request.REMOTE_ADDRESS, http.remoteAddress());
        attributes.put(WrappingBackend.PRESENTED_TOKEN, http.token() == null ? "" : http.token());
        Response r = wrapping.handle(request.withPath("lookup").withAttributes(attributes));
        return ResponseWriter.envelope(requestId, r, "system", request.operation());
    }

    /**
     * {@code GET sys/internal/ui/mounts}, with or without a token as in Vault: the mounts the
     * caller's policies reach below, plus those tuned {@code listing_visibility=unauth}.
     */
    private ApiResponse uiMounts(Request request, ApiRequest http, String requestId, AuditRecord record) {
        TokenEntry token = tokens.find(http.token()).map(TokenStore.Found::entry)
                .filter(t -> Cidr.allows(t.boundCidrs(), http.remoteAddress())).orElse(null);
        record.identify(request.operation().capability(), request.path(), request.data(), token, http.token());
        audit.logRequest(record);
        Acl acl = token == null ? null : policies.acl(token.policies());
        Response r = Response.of(mountPaths.uiMounts(p -> acl != null && acl.hasAnyAccessBelow(p)));
        return ResponseWriter.envelope(requestId, r, "system", request.operation());
    }

    /**
     * A secrets engine's public path (a CA certificate, a CRL, OCSP): answered without a token,
     * audited, and only for reads (and OCSP's POST). Null when the path is not one.
     */
    private ApiResponse tryUnauthenticated(MountTable.Mounted m, String path, Operation op, Request request,
            ApiRequest http, String requestId, AuditRecord record) {
        String relative = remainder(path, m.entry().path());
        if (!matchesAny(m.engine().unauthenticatedPaths(), relative) || (op != Operation.READ
                && !(op == Operation.UPDATE && relative.startsWith("ocsp")))) {
            return null;
        }
        record.identify(op.capability(), path, request.data(), null, null);
        audit.logRequest(record);
        Map<String, Object> attributes = new HashMap<>();
        attributes.put(Request.REMOTE_ADDRESS, http.remoteAddress());
        Response r = m.engine().handle(request.withPath(relative).withAttributes(attributes));
        return ResponseWriter.envelope(requestId, r, m.entry().type(), op);
    }

    /** Vault's path patterns: exact, a trailing {@code *} for a prefix, {@code +} for one segment. */
    static boolean matchesAny(Set<String> patterns, String path) {
        for (String p : patterns) {
            if (p.equals(path)) {
                return true;
            }
            String[] want = p.split("/", -1);
            String[] got = path.split("/", -1);
            boolean prefix = p.endsWith("*");
            if (!prefix && want.length != got.length || prefix && got.length < want.length) {
                continue;
            }
            boolean ok = true;
            for (int i = 0; i < want.length && ok; i++) {
                String w = want[i];
                if (i == want.length - 1 && prefix) {
                    ok = got[i].startsWith(w.substring(0, w.length() - 1));
                } else {
                    ok = w.equals("+") ? !got[i].isEmpty() : w.equals(got[i]);
                }
            }
            if (ok) {
                return true;
            }
        }
        return false;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Object o) {
        return (Map<String, Object>) o;
    }

    /**
     * The requested wrapping TTL, within the policy's {@code min_wrapping_ttl}/{@code max_wrapping_ttl}
     * (a path with a minimum must be wrapped); null when the response is not to be wrapped.
     */
    private static Duration wrapTtl(String header, Acl.Decision decision) {
        Duration ttl = requestedWrapTtl(header);
        if (!decision.minWrappingTtl().isZero() && (ttl == null || ttl.compareTo(decision.minWrappingTtl()) < 0)) {
            throw new EngineException(403, "permission denied");
        }
        if (ttl != null && !decision.maxWrappingTtl().isZero() && ttl.compareTo(decision.maxWrappingTtl()) > 0) {
            throw new EngineException(403, "permission denied");
        }
        return ttl;
    }

    /** X-Vault-Wrap-TTL as a duration; null when absent. */
    private static Duration requestedWrapTtl(String header) {
        Duration ttl = null;
        if (header != null && !header.isBlank()) {
            try {
                ttl = GoDuration.parse(header);
            } catch (IllegalArgumentException e) {
                throw EngineException.badRequest("invalid X-Vault-Wrap-TTL \"" + header + "\"");
            }
            if (ttl.isNegative() || ttl.isZero()) {
                throw EngineException.badRequest("X-Vault-Wrap-TTL must be positive");
            }
        }
        return ttl;
    }

    /** The ACL's verdict; a refusal is Vault's bare "permission denied" (the reason is not disclosed). */
    private static Acl.Decision authorize(Acl acl, Operation op, String path, Map<String, Object> params,
            boolean sudo) {
        Acl.Decision d = acl.check(op, path, params, sudo);
        if (!d.allowed()) {
            throw new EngineException(403, "permission denied");
        }
        return d;
    }

    /**
     * A path no mount serves: Vault's 404 only for a caller whose policies would allow the path;
     * anyone else gets the same 403 as for a mount that exists, so mounts cannot be discovered.
     */
    private static EngineException noRoute(Acl acl, Operation op, String path) {
        if (acl.check(op, path, Map.of(), false).allowed()) {
            return EngineException.notFound("no handler for route \"" + path + "\". route entry not found.");
        }
        return new EngineException(403, "permission denied");
    }

    private void authorizeMountLookup(Acl acl, String path) {
        if (path.equals("cubbyhole") || path.startsWith("cubbyhole/")) {
            return; // every token has its own
        }
        MountTable.Mounted m = mounts.resolve(path).orElseThrow(() -> new EngineException(403, "permission denied"));
        if (!acl.hasAnyAccessBelow(m.entry().path())) {
            throw new EngineException(403, "permission denied");
        }
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

    private static boolean isMergePatch(String contentType) {
        return contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith(MERGE_PATCH);
    }

    /** Decodes and checks the path: no empty, "." or ".." segments (a trailing '/' is allowed). */
    static String decodePath(String raw) {
        if (raw.isEmpty()) {
            throw EngineException.notFound("missing request path");
        }
        try {
            return decodeSegments(raw);
        } catch (EngineException e) {
            // RFC 6960 GET: after ".../ocsp/" comes one URL-encoded base64 request, which may hold '/'
            // (as "%2F" or even "//"); only a path refused as segments gets this second reading
            int at = raw.indexOf("/ocsp/");
            if (at <= 0 || raw.startsWith("sys/") || raw.startsWith("auth/")) {
                throw e;
            }
            return decodeSegments(raw.substring(0, at + 5)) + "/" + ocspRequest(raw.substring(at + 6));
        }
    }

    private static String decodeSegments(String raw) {
        String[] segments = raw.split("/", -1);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < segments.length; i++) {
            String s;
            try {
                s = URLDecoder.decode(segments[i].replace("+", "%2B"), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw EngineException.badRequest("invalid request path: bad percent-encoding");
            }
            boolean last = i == segments.length - 1;
            if (s.isEmpty() && !(last && i > 0)) {
                throw EngineException.badRequest("invalid request path: empty path segment");
            }
            if (s.equals(".") || s.equals("..")) {
                throw EngineException.badRequest("invalid request path: '" + s + "' segments are not allowed");
            }
            if (s.contains("/") || s.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
                throw EngineException.badRequest("invalid request path: encoded '/' or control characters");
            }
            out.add(s);
        }
        return String.join("/", out);
    }

    /** The base64 of an OCSP GET, percent-decoded; only base64 characters may remain. */
    private static String ocspRequest(String rawTail) {
        String s;
        try {
            s = URLDecoder.decode(rawTail.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw EngineException.badRequest("invalid request path: bad percent-encoding");
        }
        if (s.isEmpty() || !s.chars().allMatch(c -> Character.isLetterOrDigit(c) || c == '+' || c == '/' || c == '=')) {
            throw EngineException.badRequest("invalid OCSP request: the path after ocsp/ must be base64");
        }
        return s;
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
