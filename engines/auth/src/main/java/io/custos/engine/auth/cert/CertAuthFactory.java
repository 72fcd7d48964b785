package io.custos.engine.auth.cert;

import io.custos.engine.sdk.AuthMethod;
import io.custos.engine.sdk.AuthMethodFactory;
import io.custos.engine.sdk.EngineContext;

/** Auth method type {@code cert} (TLS client certificates), mounted with sys/auth. */
public final class CertAuthFactory implements AuthMethodFactory {
    @Override
    public String type() {
        return "cert";
    }

    @Override
    public AuthMethod create(EngineContext context) {
        return new CertAuthBackend(context);
    }
}
