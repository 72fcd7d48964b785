package io.custos.broker.http;

import io.custos.broker.BuildInfo;
import io.custos.broker.audit.AuditBroker;
import io.custos.broker.audit.AuditRecord;
import io.custos.broker.http.RouteTable.Route;
import io.custos.broker.barrier.SealedException;
import io.custos.broker.lease.LeaseManager;
import io.custos.broker.mount.MountEntry;
import io.custos.broker.mount.MountSettings;
import io.custos.broker.policy.Acl;
import io.custos.broker.policy.PolicyStore;
import io.custos.broker.token.TokenCaller;
import io.custos.broker.token.TokenEntry;
import io.custos.broker.token.TokenIssuer;
import io.custos.broker.token.TokenStore;
import io.custos.broker.wrapping.WrappingBackend;
import io.custos.engine.sdk.Cidr;
import io.custos.engine.sdk.EngineException;
import io.custos.engine.sdk.GoDuration;
import io.custos.engine.sdk.Json;
import io.custos.engine.sdk.NonBlocking;
import io.custos.engine.sdk.OpenApiDocument;
import io.custos.engine.sdk.Operation;
import io.custos.engine.sdk.PathSpec;
import io.custos.engine.sdk.Request;
import io.custos.engine.sdk.RequestContext;
import io.custos.engine.sdk.Response;
import io.custos.engine.sdk.Backend;
import io.custos.engine.sdk.SecretsEngine;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Routing in four steps, as OpenBao's router does: <b>resolve</b> the mount (a built-in one —
 * {@code sys/}, {@code sys/wrapping/}, {@code auth/token/}, {@code cubbyhole/} — or one mounted at
 * run time) and the {@link PathSpec} serving the request; <b>authenticate</b> as the declaration
 * says (no token, an optional one, or a required one); <b>authorise</b> against the caller's ACL
 * (sudo from the declaration, wrapping bounds, one use of the token); <b>handle</b> in the engine
 * and answer in Vault's envelope, raw, or wrapped. No path is special-cased here: every flag is
 * declared on the path.
 */
@Singleton
class Router {
    static final String MERGE_PATCH = "application/merge-patch+json";

    private final RouteTable routes;
    private final TokenStore tokens;
    private final PolicyStore policies;
    private final AuditBroker audit;
    private final LeaseManager leases;
    private final TokenIssuer tokenIssuer;
    private final WrappingBackend wrapping;

    Router(RouteTable routes, TokenStore tokens, PolicyStore policies, AuditBroker audit, LeaseManager leases,
            TokenIssuer tokenIssuer, WrappingBackend wrapping) {
        this.routes = routes;
        this.tokens = tokens;
        this.policies = policies;
        this.audit = audit;
        this.leases = leases;
        this.tokenIssuer = tokenIssuer;
        this.wrapping = wrapping;
    }

    /** One request on its way through: what the transport decoded, and where its audit record and id are. */
    record Call(ApiRequest http, Request request, String problem, String requestId, AuditRecord record) {
        Operation op() {
            return request.operation();
        }

        String path() {
            return request.path();
        }
    }

    ApiResponse route(Call call) {
        if (call.problem() != null && routes.isSealed()) {
            throw EngineException.badRequest(call.problem());
        }
        Route route = routes.resolve(call.path());
        if (route != null) {
            call.record().mountType(route.mountType());
        }
        PathSpec spec = route == null ? null : route.spec();
        if (NonBlocking.active() && (spec == null || !spec.mayAnswerWithoutBlocking(call.op()))) {
            NonBlocking.decline(); // not declared answerable from memory: a worker's job
        }
        if (call.problem() != null && (spec == null || !spec.isLenientPath())) {
            throw EngineException.badRequest(call.problem());
        }
        if (routes.isSealed() && (spec == null || !spec.isServedWhileSealed())) {
            throw new SealedException();
        }
        if (spec != null && spec.isUnauthenticated(call.op())) {
            return unauthenticated(call, route);
        }
        if (spec != null && spec.isTokenOptional() && spec.operations().containsKey(call.op())) {
            return tokenOptional(call, route);
        }
        return authenticated(call, route);
    }

    /**
     * A path answered without a token (a login, a CA certificate, OCSP, sys/health, wrapping
     * lookup). A login's {@code auth} block becomes a token here, wrapped when asked.
     */
    private ApiResponse unauthenticated(Call call, Route route) {
        boolean raw = route.spec().isRawResponse();
        if (!raw) {
            // sys/init, sys/unseal, sys/health...: answered by Vault's HTTP layer without a request record
            call.record().identify(call.op().capability(), call.path(), call.request().data(), null, null);
            logInClear(call.record(), route.entry());
            audit.logRequest(call.record());
        }
        Response r = route.engine().handle(call.request().withPath(route.relative()));
        if (raw) {
            return ResponseWriter.raw(r, call.http().method().equals("HEAD"));
        }
        if (route.authMethod() && r != null && r.auth() != null) {
            r = tokenIssuer.issueForLogin(r, call.path(), route.entry());
        }
        Duration wrapTtl = route.authMethod() ? requestedWrapTtl(call.http().wrapTtl()) : null; // no policy bounds
        if (wrapTtl != null && r != null && (r.auth() != null || r.data() != null) && r.status() < 400) {
            // a wrapped login (vault write -wrap-ttl=... auth/approle/login, Vault Agent's wrap_ttl)
            return ResponseWriter.wrapped(call.requestId(), wrapping.wrap(ResponseWriter.body(call.requestId(), r,
                    route.mountType()), call.path(), wrapTtl));
        }
        return ResponseWriter.envelope(call.requestId(), r, route.mountType(), call.op());
    }

    /** A path that uses the caller's token when one is presented and answers without one too. */
    private ApiResponse tokenOptional(Call call, Route route) {
        TokenEntry token = tokens.find(call.http().token()).map(TokenStore.Found::entry)
                .filter(t -> Cidr.allows(t.boundCidrs(), call.http().remoteAddress())).orElse(null);
        call.record().identify(call.op().capability(), call.path(), call.request().data(), token, call.http().token());
        audit.logRequest(call.record());
        Request request = call.request().withPath(route.relative());
        if (token != null) {
            TokenCaller caller = new TokenCaller(token, call.http().token(), policies.acl(token.policies()), null, null);
            request = request.withContext(request.context().withCaller(caller));
        }
        return ResponseWriter.envelope(call.requestId(), route.engine().handle(request), route.mountType(), call.op());
    }

    /** Steps 2–4 for everything else: the token, the ACL, one use spent, then the engine. */
    private ApiResponse authenticated(Call call, Route route) {
        ApiRequest http = call.http();
        Operation op = call.op();
        TokenStore.Found found = tokens.find(http.token()).orElse(null);
        TokenEntry token = found == null ? null : found.entry();
        call.record().identify(op.capability(), call.path(), call.request().data(), token, http.token());
        logInClear(call.record(), route == null ? null : route.entry());
        audit.logRequest(call.record());
        if (token == null || !Cidr.allows(token.boundCidrs(), http.remoteAddress())) {
            throw new EngineException(403, "permission denied");
        }
        if (op == Operation.PATCH && !isMergePatch(http.contentType())) {
            throw new EngineException(415, "PATCH requires Content-Type: " + MERGE_PATCH);
        }
        Acl acl = policies.acl(token.policies());
        if (route == null) {
            throw noRoute(acl, op, call.path());
        }
        if (isHelp(http)) {
            return help(acl, route, call.path());
        }
        Backend engine = route.engine();
        Request routed = call.request().withPath(route.relative());
        if (op == Operation.UPDATE) {
            routed = routed.withOperation(engine.classifyWrite(routed));
        }
        boolean sudo = route.spec() != null && route.spec().isSudo();
        Acl.Decision decision = authorize(acl, routed.operation(), call.path(), engine.policyParameters(routed), sudo);
        Duration wrapTtl = wrapTtl(http.wrapTtl(), decision);
        if (!tokens.spendUse(found)) {
            throw new EngineException(403, "permission denied");
        }
        routed = routed.withContext(context(routed, route, call.path(), new TokenCaller(token, http.token(), acl,
                decision, wrapTtl)));
        if (route.spec() != null && route.spec().isRawResponse()) {
            return ResponseWriter.raw(engine.handle(routed), false);
        }
        return answer(call, route, engine.handle(routed), wrapTtl);
    }

    /** The request's context with its caller, and for a secrets mount the lease issuer bound to it. */
    private RequestContext context(Request routed, Route route, String path, TokenCaller caller) {
        RequestContext ctx = routed.context().withCaller(caller);
        SecretsEngine engine = route.secretsEngine();
        if (engine == null) {
            return ctx;
        }
        TokenEntry token = caller.entry();
        // a batch token's leases belong to its parent (revoked with it) and end by the batch token's expiry
        return ctx.withLeases(leases.issuer(stripSlash(path), route.entry(), engine,
                token.isBatch() ? token.parentAccessor() : token.accessor(), token.expireTime(),
                caller.decision().defaultTtl(), caller.decision().maxTtl()));
    }

    /** Step 4's answer: the envelope, or wrapped (asked for, or a rewrap's new token). */
    private ApiResponse answer(Call call, Route route, Response response, Duration wrapTtl) {
        String requestId = call.requestId();
        if (route.secretsEngine() != null && call.op() == Operation.READ && response != null && response.leaseId().isEmpty()
                && response.leaseDuration() == 0 && response.data() != null && isKvV1(route.entry())) {
            // as Vault: a KV v1 read carries the mount's default lease TTL as its refresh hint
            response.withLease("", leases.defaultTtl(route.entry()).toSeconds(), false);
        }
        if (response != null && response.data() != null && response.data().get(WrappingBackend.WRAP_INFO) != null) {
            return ResponseWriter.wrapped(requestId, cast(response.data().get(WrappingBackend.WRAP_INFO)));
        }
        if (wrapTtl != null && response != null && (response.data() != null || response.auth() != null)
                && response.status() < 400) {
            return ResponseWriter.wrapped(requestId, wrapping.wrap(ResponseWriter.body(requestId, response,
                    route.mountType()), call.path(), wrapTtl));
        }
        return ResponseWriter.envelope(requestId, response, route.mountType(), call.op(),
                ResponseWriter.injectsData(call.path()));
    }

    private static void logInClear(AuditRecord record, MountEntry mount) {
        if (mount != null) {
            record.logInClear(mount.listSetting(MountSettings.AUDIT_NON_HMAC_REQUEST_KEYS),
                    mount.listSetting(MountSettings.AUDIT_NON_HMAC_RESPONSE_KEYS));
        }
    }

    private static boolean isKvV1(MountEntry mount) {
        return mount.type().equals("kv") && !"2".equals(mount.options().get("version"));
    }

    private static boolean isHelp(ApiRequest http) {
        List<String> v = http.query().get("help");
        String first = v == null || v.isEmpty() ? null : v.get(0);
        return "1".equals(first) || "true".equalsIgnoreCase(first);
    }

    /**
     * {@code ?help=1} ({@code vault path-help}): the declaration's help for a caller with any
     * capability on the path, as a bare object {@code {help, openapi}} the way Vault answers.
     */
    private static ApiResponse help(Acl acl, Route route, String path) {
        if (acl.capabilities(path).contains("deny")) {
            throw new EngineException(403, "permission denied");
        }
        if (route.spec() == null) {
            throw EngineException.notFound("no help for path \"" + path + "\"");
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("help", route.spec().helpText(path));
        String mount = path.substring(0, path.length() - route.relative().length());
        out.put("openapi", OpenApiDocument.build("Custos HTTP API", BuildInfo.CUSTOS_VERSION,
                Map.of(mount, List.of(route.spec()))));
        out.put("see_also", null);
        return new ApiResponse(200, Json.write(out));
    }

    private static String stripSlash(String path) {
        return path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
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

    private static boolean isMergePatch(String contentType) {
        return contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith(MERGE_PATCH);
    }
}
