package io.custos.broker.auth.approle;

import io.custos.engine.sdk.EngineContext;
import io.custos.engine.sdk.EngineFactory;
import io.custos.engine.sdk.SecretsEngine;

/** Auth method type {@code approle}, mounted with sys/auth. */
public final class AppRoleFactory implements EngineFactory {
    @Override
    public String type() {
        return "approle";
    }

    @Override
    public String kind() {
        return "auth";
    }

    @Override
    public SecretsEngine create(EngineContext context) {
        return new AppRoleBackend(context);
    }
}
