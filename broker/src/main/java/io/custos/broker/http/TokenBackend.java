package io.custos.broker.http;

import io.custos.broker.token.TokenEntry;
import io.custos.engine.sdk.EngineException;
import io.custos.engine.sdk.Operation;
import io.custos.engine.sdk.Request;
import io.custos.engine.sdk.Response;
import jakarta.inject.Singleton;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@code auth/token/lookup-self}: what the Vault CLI and SDKs call to check a token. */
@Singleton
public class TokenBackend {

    Response handle(Request request, TokenEntry entry, String presentedToken) {
        if (!request.path().equals("lookup-self")) {
            throw EngineException.unsupportedPath();
        }
        if (request.operation() != Operation.READ) {
            throw EngineException.unsupportedOperation();
        }
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("accessor", entry.accessor());
        d.put("creation_time", entry.creationTime());
        d.put("creation_ttl", entry.ttlSeconds());
        d.put("display_name", entry.displayName());
        d.put("entity_id", "");
        d.put("expire_time", null);
        d.put("explicit_max_ttl", 0);
        d.put("id", presentedToken);
        d.put("meta", entry.meta().isEmpty() ? null : entry.meta());
        d.put("num_uses", 0);
        d.put("orphan", true);
        d.put("path", entry.path());
        d.put("policies", entry.policies());
        d.put("renewable", false);
        d.put("ttl", entry.ttlSeconds());
        d.put("type", "service");
        return Response.of(d);
    }
}
