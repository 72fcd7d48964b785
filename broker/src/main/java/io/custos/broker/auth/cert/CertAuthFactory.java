package io.custos.broker.auth.cert;

import io.custos.engine.sdk.EngineContext;
import io.custos.engine.sdk.EngineFactory;
import io.custos.engine.sdk.SecretsEngine;

/** Auth method type {@code cert} (TLS client certificates), mounted with sys/auth. */
public final class CertAuthFactory implements EngineFactory {
    @Override
    public String type() {
        return "cert";
    }

    @Override
    public String kind() {
        return "auth";
    }

    @Override
    public SecretsEngine create(EngineContext context) {
        return new CertAuthBackend(context);
    }
}
