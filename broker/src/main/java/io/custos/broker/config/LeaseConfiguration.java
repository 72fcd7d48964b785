package io.custos.broker.config;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;
import java.time.Duration;

/**
 * {@code custos.leases}: the system TTL limits and the expiry workers. Every broker node runs
 * {@code workers} threads that claim due leases in pages of {@code batch-size}; a failed
 * revocation is retried with jittered exponential backoff ({@code retry-base} doubling up to
 * {@code retry-max}) and after {@code max-attempts} the lease is marked irrevocable and retried
 * only every {@code irrevocable-retry}. A pending issuance not committed within
 * {@code pending-grace} (its broker died) is rolled back.
 */
@ConfigurationProperties("custos.leases")
public interface LeaseConfiguration {

    @Bindable(defaultValue = "768h")
    Duration getDefaultTtl();

    @Bindable(defaultValue = "768h")
    Duration getMaxTtl();

    @Bindable(defaultValue = "2")
    int getWorkers();

    @Bindable(defaultValue = "1s")
    Duration getPollInterval();

    @Bindable(defaultValue = "50")
    int getBatchSize();

    @Bindable(defaultValue = "10")
    int getMaxAttempts();

    @Bindable(defaultValue = "1s")
    Duration getRetryBase();

    @Bindable(defaultValue = "5m")
    Duration getRetryMax();

    @Bindable(defaultValue = "1h")
    Duration getIrrevocableRetry();

    @Bindable(defaultValue = "60s")
    Duration getPendingGrace();

    /**
     * What {@code sys/leases/revoke} and {@code revoke-prefix} do when the request has no
     * {@code sync}: revoke before answering (204, Vault's server default, which SDKs such as
     * vault-java-driver insist on) or queue (202).
     */
    @Bindable(defaultValue = "true")
    boolean isRevokeSyncByDefault();
}
