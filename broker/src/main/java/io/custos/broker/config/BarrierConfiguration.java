package io.custos.broker.config;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import java.time.Duration;

/**
 * {@code custos.barrier}: key rotation. A new keyring term is installed automatically after
 * {@link #DEFAULT_ROTATION_MAX_ENCRYPTIONS} encryptions under one term (well under the 2^32
 * random-nonce limit of AES-GCM; counted over every node sharing the database, and clamped to
 * {@link #ABSOLUTE_MAX_ENCRYPTIONS}); the re-wrap job moves data keys off older terms in batches.
 */
@ConfigurationProperties("custos.barrier")
public interface BarrierConfiguration {
    long DEFAULT_ROTATION_MAX_ENCRYPTIONS = 1_000_000_000L;
    /** Vault's absolute ceiling ({@code absoluteOperationMaximum}); larger settings are clamped to it. */
    long ABSOLUTE_MAX_ENCRYPTIONS = 3_865_470_566L;
    int DEFAULT_REWRAP_BATCH_SIZE = 500;

    @Bindable(defaultValue = "1000000000")
    long getRotationMaxEncryptions();

    @Bindable(defaultValue = "500")
    int getRewrapBatchSize();

    /** How often encryption counts are persisted and the re-wrap job looks for work. */
    @Bindable(defaultValue = "10s")
    Duration getMaintenanceInterval();
}
