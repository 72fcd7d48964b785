package io.custos.broker.cubbyhole;

import io.custos.broker.barrier.BarrierStorage;
import io.custos.broker.policy.Policy;
import io.custos.broker.mount.BuiltinBackend;
import io.custos.broker.token.TokenCaller;
import io.custos.broker.token.TokenStore;
import io.custos.broker.wrapping.WrappingBackend;
import io.custos.engine.sdk.EngineException;
import io.custos.engine.sdk.Json;
import io.custos.engine.sdk.Operation;
import io.custos.engine.sdk.PathSpec;
import io.custos.engine.sdk.Request;
import io.custos.engine.sdk.Response;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Vault's {@code cubbyhole/}: a private key/value store per token, mounted by default. Only the
 * token that wrote an entry can read it (entries live under {@code core/cubbyhole/<accessor>/},
 * keyed by the calling token), and everything goes when the token is revoked or expires. A
 * response-wrapping token reading {@code cubbyhole/response} gets its wrapped response the way
 * Vault's older clients unwrap (once: the wrapping token is spent).
 */
@Singleton
public class CubbyholeBackend implements BuiltinBackend {
    static final String PREFIX = "core/cubbyhole/";

    private final BarrierStorage storage;
    private final TokenStore tokens;
    private final WrappingBackend wrapping;

    public CubbyholeBackend(BarrierStorage storage, TokenStore tokens, WrappingBackend wrapping) {
        this.storage = storage;
        this.tokens = tokens;
        this.wrapping = wrapping;
        tokens.onRevoke(accessor -> storage.deletePrefix(PREFIX + accessor + "/"));
    }

    @Override
    public String mountPath() {
        return "cubbyhole/";
    }

    @Override
    public String mountType() {
        return "cubbyhole";
    }

    @Override
    public boolean serves(String path) {
        return path.equals("cubbyhole") || path.startsWith("cubbyhole/");
    }

    @Override
    public Response handle(Request request) {
        TokenCaller caller = TokenCaller.of(request);
        if (caller.entry().accessor().isEmpty()) {
            throw EngineException.badRequest("cubbyhole operations are only supported by \"service\" type tokens");
        }
        String key = request.path();
        if (caller.entry().policies().contains(Policy.RESPONSE_WRAPPING) && key.equals("response")) {
            if (request.operation() != Operation.READ) {
                throw new EngineException(403, "permission denied");
            }
            TokenStore.Found f = tokens.find(caller.token()).orElseThrow(() -> new EngineException(403, "permission denied"));
            return Response.of(Map.of("response", new String(Json.write(wrapping.takeForLegacyUnwrap(f)),
                    StandardCharsets.UTF_8)));
        }
        String base = PREFIX + caller.entry().accessor() + "/";
        switch (request.operation()) {
            case LIST:
                return Response.listOf(storage.list(base + key));
            case READ:
                requireKey(key);
                return storage.get(base + key).map(b -> Response.of(Json.readMap(b))).orElse(null);
            case CREATE:
            case UPDATE:
                if (key.isEmpty()) {
                    throw EngineException.badRequest("missing path");
                }
                if (key.endsWith("/")) {
                    throw EngineException.badRequest("cannot write to a path ending in '/'");
                }
                if (request.data().isEmpty()) {
                    throw EngineException.badRequest("missing data fields");
                }
                storage.put(base + key, Json.write(request.data()));
                return null;
            case DELETE:
                requireKey(key);
                storage.delete(base + key);
                return null;
            default:
                throw EngineException.unsupportedOperation();
        }
    }

    private static void requireKey(String key) {
        if (key.isEmpty() || key.endsWith("/")) {
            throw EngineException.badRequest("missing path");
        }
    }

    @Override
    public List<PathSpec> paths() {
        return List.of(PathSpec.path("(?P<path>.*)")
                .on(Operation.READ, (r, d) -> null)
                .on(Operation.UPDATE, (r, d) -> null)
                .on(Operation.DELETE, (r, d) -> null)
                .on(Operation.LIST, (r, d) -> null)
                .help("Per-token private key/value storage; gone with the token.", "")
                .build());
    }
}
