package io.custos.engine.sdk;

import java.util.Map;

/**
 * Creates secrets-engine instances for a mount type (mounted by {@code sys/mounts}). Discovered
 * with {@link java.util.ServiceLoader}, so an engine is added by putting its jar on the class path
 * and listing its factory in {@code META-INF/services/io.custos.engine.sdk.EngineFactory}. Auth
 * methods have their own SPI, {@link AuthMethodFactory}.
 */
public interface EngineFactory {

    /** The mount type this factory serves, e.g. {@code kv}. */
    String type();

    /**
     * Validates mount options (e.g. {@code version} for kv) before a mount is created, returning
     * the normalised options to store; throws {@link EngineException} for bad options.
     */
    default Map<String, String> validateOptions(Map<String, String> options) {
        return options;
    }

    SecretsEngine create(EngineContext context);
}
