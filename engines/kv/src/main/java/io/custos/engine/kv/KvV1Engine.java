package io.custos.engine.kv;

import io.custos.engine.sdk.EngineContext;
import io.custos.engine.sdk.EngineException;
import io.custos.engine.sdk.FieldType;
import io.custos.engine.sdk.Json;
import io.custos.engine.sdk.PathSpec;
import io.custos.engine.sdk.Request;
import io.custos.engine.sdk.Response;
import io.custos.engine.sdk.SecretsEngine;
import io.custos.engine.sdk.StorageView;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Vault's KV version 1: one unversioned JSON object per path. The whole request body is the
 * secret, so there are no declared fields to validate against.
 */
final class KvV1Engine implements SecretsEngine {
    private final StorageView storage;

    KvV1Engine(EngineContext context) {
        this.storage = context.storage();
    }

    @Override
    public Response handle(Request request) {
        String path = request.path();
        switch (request.operation()) {
            case LIST:
                if (!path.isEmpty() && !path.endsWith("/")) {
                    path = path + "/";
                }
                return Response.listOf(storage.list(path));
            case READ:
                requireKey(path);
                return storage.get(path).map(b -> withTtl(Json.readMap(b))).orElse(null);
            case CREATE:
            case UPDATE:
                requireWritableKey(path);
                if (request.data().isEmpty()) {
                    throw EngineException.badRequest("no data provided");
                }
                storage.put(path, Json.write(request.data()));
                return null;
            case DELETE:
                requireKey(path);
                storage.delete(path);
                return null;
            default:
                throw EngineException.unsupportedOperation();
        }
    }

    /**
     * Vault's KV v1 read: a {@code ttl} (or older {@code lease}) key in the data is the lease
     * duration clients use as a refresh hint; without one the broker reports the mount's default.
     */
    private static Response withTtl(Map<String, Object> data) {
        Response r = Response.of(data);
        Object hint = data.containsKey("ttl") ? data.get("ttl") : data.get("lease");
        if (hint != null) {
            try {
                long seconds = ((Duration) FieldType.DURATION.decode("ttl", hint))
                        .toSeconds();
                if (seconds > 0) {
                    r.withLease("", seconds, false);
                }
            } catch (EngineException e) {
                // not a duration: no hint, as Vault ignores it too
            }
        }
        return r;
    }

    /** Vault's texts, which clients match on. */
    static void requireWritableKey(String path) {
        if (path.isEmpty()) {
            throw EngineException.badRequest("missing path");
        }
        if (path.endsWith("/")) {
            throw EngineException.badRequest("cannot write to a path ending in '/'");
        }
    }

    private static void requireKey(String path) {
        if (path.isEmpty() || path.endsWith("/")) {
            throw EngineException.badRequest("invalid key: a secret path cannot be empty or end with '/'");
        }
    }

    @Override
    public List<PathSpec> paths() {
        return List.of();
    }
}
