package io.custos.broker.config;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;

/**
 * {@code custos.storage}: besides the connection settings (url, user, password, max-connections,
 * bound to the DataSource in application.yml), the read cache of stored ciphertext. The cache is
 * write-through and exact for one broker per database; disable it when several brokers write to
 * the same database until cross-node invalidation exists.
 */
@ConfigurationProperties("custos.storage")
public interface StorageConfiguration {
    boolean DEFAULT_CACHE_ENABLED = true;
    long DEFAULT_CACHE_MAX_BYTES = 64L * 1024 * 1024;

    @Bindable(defaultValue = "true")
    boolean isCacheEnabled();

    @Bindable(defaultValue = "67108864")
    long getCacheMaxBytes();
}
