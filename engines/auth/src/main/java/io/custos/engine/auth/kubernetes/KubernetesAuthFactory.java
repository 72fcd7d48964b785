package io.custos.engine.auth.kubernetes;

import io.custos.engine.sdk.AuthMethod;
import io.custos.engine.sdk.AuthMethodFactory;
import io.custos.engine.sdk.EngineContext;

/** Auth method type {@code kubernetes}, mounted with sys/auth. */
public final class KubernetesAuthFactory implements AuthMethodFactory {
    @Override
    public String type() {
        return "kubernetes";
    }

    @Override
    public AuthMethod create(EngineContext context) {
        return new KubernetesAuthBackend(context);
    }
}
