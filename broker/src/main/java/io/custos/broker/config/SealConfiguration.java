package io.custos.broker.config;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import java.util.Optional;

/**
 * {@code custos.seal}: how the root key is protected. {@code shamir} (default) needs key shares
 * through sys/unseal; {@code static} auto-unseals with a 32-byte key, base64-encoded, from
 * {@code key} (env {@code CUSTOS_SEAL_KEY}) or {@code key-file} (env {@code CUSTOS_SEAL_KEY_FILE}).
 */
@ConfigurationProperties("custos.seal")
public interface SealConfiguration {
    String DEFAULT_TYPE = "shamir";

    @Bindable(defaultValue = DEFAULT_TYPE)
    String getType();

    Optional<String> getKey();

    Optional<String> getKeyFile();
}
