package io.custos.broker.config;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;

/**
 * {@code custos.storage}: besides the connection settings (url, user, password, max-connections,
 * bound to the DataSource in application.yml), the read cache of stored ciphertext (write-through;
 * every broker on the database drops what another changed through the change feed) and the group
 * commit's linger.
 */
@ConfigurationProperties("custos.storage")
public interface StorageConfiguration {
    boolean DEFAULT_CACHE_ENABLED = true;
    long DEFAULT_CACHE_MAX_BYTES = 64L * 1024 * 1024;

    @Bindable(defaultValue = "true")
    boolean isCacheEnabled();

    @Bindable(defaultValue = "67108864")
    long getCacheMaxBytes();

    /**
     * How long a group commit of records (issued certificates) waits for more records when other
     * requests are storing them too; 0 commits whatever is due at once.
     */
    @Bindable(defaultValue = "300")
    long getGroupCommitLingerUs();
}
