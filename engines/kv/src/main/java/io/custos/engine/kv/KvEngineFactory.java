package io.custos.engine.kv;

import io.custos.engine.sdk.EngineContext;
import io.custos.engine.sdk.EngineException;
import io.custos.engine.sdk.EngineFactory;
import io.custos.engine.sdk.SecretsEngine;
import java.util.LinkedHashMap;
import java.util.Map;

/** Mount type {@code kv}: version 2 with {@code options.version=2}, else Vault's unversioned version 1. */
public final class KvEngineFactory implements EngineFactory {

    @Override
    public String type() {
        return "kv";
    }

    @Override
    public Map<String, String> validateOptions(Map<String, String> options) {
        Map<String, String> out = new LinkedHashMap<>(options);
        String version = out.getOrDefault("version", "1");
        if (!version.equals("1") && !version.equals("2")) {
            throw EngineException.badRequest("invalid kv version \"" + version + "\": must be 1 or 2");
        }
        out.put("version", version);
        return out;
    }

    @Override
    public SecretsEngine create(EngineContext context) {
        return "2".equals(context.options().get("version")) ? new KvV2Engine(context) : new KvV1Engine(context);
    }
}
