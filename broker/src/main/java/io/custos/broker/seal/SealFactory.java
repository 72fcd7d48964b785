package io.custos.broker.seal;

import io.custos.broker.config.SealConfiguration;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Requires;
import io.micronaut.context.exceptions.ConfigurationException;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

/** Builds the configured {@link AutoSeal}; with {@code custos.seal.type=shamir} there is none. */
@Factory
public class SealFactory {

    @Singleton
    @Requires(property = "custos.seal.type", value = "static")
    AutoSeal staticKeySeal(SealConfiguration config) {
        String encoded = config.getKey().orElseGet(() -> config.getKeyFile().map(SealFactory::read).orElseThrow(
                () -> new ConfigurationException("custos.seal.type=static needs custos.seal.key or custos.seal.key-file")));
        try {
            return new StaticKeySeal(Base64.getDecoder().decode(encoded.trim()));
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException("the static seal key must be 32 bytes, base64-encoded");
        }
    }

    private static String read(String file) {
        try {
            return Files.readString(Path.of(file), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new ConfigurationException("cannot read the seal key file " + file + ": " + e.getMessage());
        }
    }
}
