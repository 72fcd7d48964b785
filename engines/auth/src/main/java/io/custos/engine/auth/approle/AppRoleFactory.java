package io.custos.engine.auth.approle;

import io.custos.engine.sdk.AuthMethod;
import io.custos.engine.sdk.AuthMethodFactory;
import io.custos.engine.sdk.EngineContext;

/** Auth method type {@code approle}, mounted with sys/auth. */
public final class AppRoleFactory implements AuthMethodFactory {
    @Override
    public String type() {
        return "approle";
    }

    @Override
    public AuthMethod create(EngineContext context) {
        return new AppRoleBackend(context);
    }
}
