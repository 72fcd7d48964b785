package io.custos.broker.auth.jwt;

import io.custos.engine.sdk.EngineContext;
import io.custos.engine.sdk.EngineFactory;
import io.custos.engine.sdk.SecretsEngine;

/** Auth method type {@code jwt} (Vault's JWT/OIDC method, JWT login), mounted with sys/auth. */
public final class JwtAuthFactory implements EngineFactory {
    @Override
    public String type() {
        return "jwt";
    }

    @Override
    public String kind() {
        return "auth";
    }

    @Override
    public SecretsEngine create(EngineContext context) {
        return new JwtAuthBackend(context);
    }
}
