package io.custos.broker.config;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import java.time.Duration;

/**
 * {@code custos.tokens}: the in-memory token cache, bounded by {@link #DEFAULT_CACHE_MAX_BYTES}
 * bytes (entries also leave it when their token expires), and how often expired tokens are swept
 * from storage ({@link #DEFAULT_TIDY_INTERVAL}; one node at a time).
 */
@ConfigurationProperties("custos.tokens")
public interface TokenConfiguration {
    long DEFAULT_CACHE_MAX_BYTES = 16L * 1024 * 1024;
    String DEFAULT_TIDY_INTERVAL = "1m";

    @Bindable(defaultValue = "16777216")
    long getCacheMaxBytes();

    @Bindable(defaultValue = DEFAULT_TIDY_INTERVAL)
    Duration getTidyInterval();
}
