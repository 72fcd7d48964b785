package io.custos.engine.database;

import io.custos.engine.sdk.EngineContext;
import io.custos.engine.sdk.EngineFactory;
import io.custos.engine.sdk.SecretsEngine;

/** Mount type {@code database}: Vault's database secrets engine with the PostgreSQL plugin. */
public final class DatabaseEngineFactory implements EngineFactory {

    @Override
    public String type() {
        return "database";
    }

    @Override
    public SecretsEngine create(EngineContext context) {
        return new DatabaseEngine(context);
    }
}
