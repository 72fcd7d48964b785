package io.custos.engine.sdk;

import java.util.Map;

/**
 * Creates auth-method instances for a method type (mounted by {@code sys/auth}). Discovered with
 * {@link java.util.ServiceLoader} apart from secrets engines ({@link EngineFactory}): a method is
 * added by putting its jar on the class path and listing its factory in
 * {@code META-INF/services/io.custos.engine.sdk.AuthMethodFactory}.
 */
public interface AuthMethodFactory {

    /** The method type this factory serves, e.g. {@code approle}. */
    String type();

    /** Validates and normalises mount options; throws {@link EngineException} for bad ones. */
    default Map<String, String> validateOptions(Map<String, String> options) {
        return options;
    }

    AuthMethod create(EngineContext context);
}
