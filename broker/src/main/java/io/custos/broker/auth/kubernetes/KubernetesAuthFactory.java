package io.custos.broker.auth.kubernetes;

import io.custos.engine.sdk.EngineContext;
import io.custos.engine.sdk.EngineFactory;
import io.custos.engine.sdk.SecretsEngine;

/** Auth method type {@code kubernetes}, mounted with sys/auth. */
public final class KubernetesAuthFactory implements EngineFactory {
    @Override
    public String type() {
        return "kubernetes";
    }

    @Override
    public String kind() {
        return "auth";
    }

    @Override
    public SecretsEngine create(EngineContext context) {
        return new KubernetesAuthBackend(context);
    }
}
