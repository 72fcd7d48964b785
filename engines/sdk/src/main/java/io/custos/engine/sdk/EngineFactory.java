package io.custos.engine.sdk;

import java.util.Map;

/**
 * Creates engine instances for a mount type. Discovered with {@link java.util.ServiceLoader},
 * so an engine is added by putting its jar on the class path.
 */
public interface EngineFactory {

    /** The mount type this factory serves, e.g. {@code kv}. */
    String type();

    /** {@code secret} for engines mounted by sys/mounts, {@code auth} for methods mounted by sys/auth. */
    default String kind() {
        return "secret";
    }

    /**
     * Validates mount options (e.g. {@code version} for kv) before a mount is created, returning
     * the normalised options to store; throws {@link EngineException} for bad options.
     */
    default Map<String, String> validateOptions(Map<String, String> options) {
        return options;
    }

    SecretsEngine create(EngineContext context);
}
