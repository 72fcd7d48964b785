package io.custos.engine.auth.jwt;

import io.custos.engine.sdk.AuthMethod;
import io.custos.engine.sdk.AuthMethodFactory;
import io.custos.engine.sdk.EngineContext;

/** Auth method type {@code jwt} (Vault's JWT/OIDC method, JWT login), mounted with sys/auth. */
public final class JwtAuthFactory implements AuthMethodFactory {
    @Override
    public String type() {
        return "jwt";
    }

    @Override
    public AuthMethod create(EngineContext context) {
        return new JwtAuthBackend(context);
    }
}
