package io.custos.engine.pki;

import io.custos.engine.sdk.EngineContext;
import io.custos.engine.sdk.EngineFactory;
import io.custos.engine.sdk.SecretsEngine;

/** Mount type {@code pki}: Vault's PKI secrets engine on BouncyCastle. */
public final class PkiEngineFactory implements EngineFactory {

    @Override
    public String type() {
        return "pki";
    }

    @Override
    public SecretsEngine create(EngineContext context) {
        return new PkiEngine(context, new StoredKeyManager(context.storage()));
    }
}
