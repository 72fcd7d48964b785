package io.custos.broker.config;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;

/**
 * {@code custos.telemetry}: {@code sys/metrics}. As Vault's {@code unauthenticated_metrics_access},
 * off by default: a token whose policy grants read on {@code sys/metrics} is needed.
 */
@ConfigurationProperties("custos.telemetry")
public interface TelemetryConfiguration {

    /** {@code sys/metrics} answered without a token (for a Prometheus scraper without one). */
    @Bindable(defaultValue = "false")
    boolean isUnauthenticatedMetricsAccess();
}
