package io.custos.broker.metrics;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import io.custos.broker.barrier.AesGcmBarrier;
import io.custos.broker.lease.LeaseManager;
import io.custos.broker.mount.MountTable;
import io.custos.broker.mount.Mounts;
import io.custos.broker.storage.CacheValidity;
import io.custos.broker.storage.CachedPhysicalStorage;
import io.custos.broker.storage.PhysicalStorage;
import io.custos.broker.token.TokenStore;
import io.custos.engine.sdk.PoolUsage;
import io.custos.engine.sdk.SecretsEngine;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.micronaut.context.annotation.Value;
import io.micronaut.data.connection.jdbc.advice.DelegatingDataSource;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's state as meters: what is counted in PostgreSQL (service tokens, leases by state,
 * the expiry backlog — every broker's, so each node reports the same cluster-wide figures) is
 * read by a scrape, at most once per {@code custos.telemetry.cluster-counts-interval} (counting a
 * million leases takes PostgreSQL a while, and scrapes may be unauthenticated and frequent; scrapes
 * meanwhile get the last figures); what is this node's own (barrier encryptions per key
 * term, storage cache hits, the connection pool, the database engines' pools, the change feed,
 * the JVM) is read as it is.
 * Requests, answers, revocations and expiry lag are recorded where they happen.
 */
@Singleton
public class BrokerMetrics {
    private static final Logger LOG = LoggerFactory.getLogger(BrokerMetrics.class);
    /** The Prometheus text format the registry writes. */
    public static final String PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final PrometheusMeterRegistry registry;
    private final TokenStore tokens;
    private final LeaseManager leases;
    private final AesGcmBarrier barrier;
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final MultiGauge encryptions;
    private final MultiGauge enginePools;
    private final MultiGauge enginePoolMax;
    private final MountTable mounts;
    private volatile double storedTokens = Double.NaN;
    private volatile double overdueSeconds = Double.NaN;
    private volatile Map<String, Long> leaseStates = Map.of();
    private final long countsEveryNanos;
    private long countedAt; // guarded by this
    private boolean counted; // guarded by this

    public BrokerMetrics(PrometheusMeterRegistry registry, TokenStore tokens, LeaseManager leases, AesGcmBarrier barrier,
            PhysicalStorage storage, CacheValidity validity, DataSource dataSource, MountTable mounts,
            @Value("${custos.telemetry.cluster-counts-interval:5s}") Duration countsEvery) {
        this.mounts = mounts;
        this.registry = registry;
        this.countsEveryNanos = countsEvery.toNanos();
        this.tokens = tokens;
        this.leases = leases;
        this.barrier = barrier;
        gc.bindTo(registry);
        Gauge.builder("custos.tokens.stored", this, m -> m.storedTokens)
                .description("Service tokens in storage, on every broker (batch tokens are not stored)").register(registry);
        for (String state : List.of("active", "pending", "irrevocable")) {
            Gauge.builder("custos.leases", this, m -> m.leaseStates.isEmpty() ? Double.NaN
                    : m.leaseStates.getOrDefault(state, 0L))
                    .description("Leases by state, on every broker").tag("state", state).register(registry);
        }
        Gauge.builder("custos.lease.expiry.overdue", this, m -> m.overdueSeconds).baseUnit("seconds")
                .description("How long the longest-overdue lease has waited for an expiry worker").register(registry);
        encryptions = MultiGauge.builder("custos.barrier.encryptions")
                .description("Values encrypted under each keyring term, on every broker as of the last count flush")
                .register(registry);
        enginePools = MultiGauge.builder("custos.engine.pool.connections")
                .description("Connections a secrets engine holds to an outside system (a database engine's), by mount, "
                        + "connection and state (pending: callers waiting for one), on this broker")
                .register(registry);
        enginePoolMax = MultiGauge.builder("custos.engine.pool.max")
                .description("The size limit of a secrets engine's connection pool, by mount and connection").register(registry);
        Gauge.builder("custos.change.feed.listening", validity, v -> v.isValid() ? 1 : 0)
                .description("1 while this broker hears other brokers' changes (its caches are in use), else 0")
                .register(registry);
        if (storage instanceof CachedPhysicalStorage cache) {
            FunctionCounter.builder("custos.storage.cache.hits", cache, c -> c.stats().hitCount())
                    .description("Storage reads answered from this broker's cache").register(registry);
            FunctionCounter.builder("custos.storage.cache.misses", cache, c -> c.stats().missCount())
                    .description("Storage reads that went to PostgreSQL").register(registry);
            Gauge.builder("custos.storage.cache.hit.ratio", cache, c -> c.stats().hitRate())
                    .description("Cache hits over all cached reads since start").register(registry);
        }
        DataSource ds = DelegatingDataSource.unwrapDataSource(dataSource);
        if (ds instanceof HikariDataSource hikari) {
            pool("active", hikari, HikariPoolMXBean::getActiveConnections);
            pool("idle", hikari, HikariPoolMXBean::getIdleConnections);
            pool("pending", hikari, HikariPoolMXBean::getThreadsAwaitingConnection);
            Gauge.builder("custos.storage.pool.max", hikari, HikariDataSource::getMaximumPoolSize)
                    .description("The storage connection pool's size limit").register(registry);
        }
    }

    private void pool(String state, HikariDataSource hikari, ToDoubleFunction<HikariPoolMXBean> value) {
        Gauge.builder("custos.storage.pool.connections", hikari, h -> {
            HikariPoolMXBean bean = h.getHikariPoolMXBean();
            return bean == null ? Double.NaN : value.applyAsDouble(bean);
        }).description("Storage connections by state (pending: threads waiting for one)").tag("state", state)
                .register(registry);
    }

    /** Reads the cluster-wide figures from PostgreSQL (see above), then writes every meter in Prometheus's text format. */
    public String scrape() {
        refresh();
        return registry.scrape();
    }

    /** Every meter, for Vault's JSON form of sys/metrics. */
    public List<Meter> meters() {
        refresh();
        return registry.getMeters();
    }

    /**
     * Reads the engines' pools (this node's, cheap: every scrape), then counts again unless counted
     * within the interval; concurrent scrapes wait for one count and share it.
     */
    private synchronized void refresh() {
        enginePools();
        long now = System.nanoTime();
        if (counted && now - countedAt < countsEveryNanos) {
            return;
        }
        count();
        countedAt = System.nanoTime();
        counted = true;
    }

    private void count() {
        try {
            storedTokens = tokens.storedCount();
            leaseStates = leases.counts();
            overdueSeconds = leases.overdue().toMillis() / 1000.0;
            List<MultiGauge.Row<?>> rows = new ArrayList<>();
            barrier.encryptionCounts().forEach((term, n) ->
                    rows.add(MultiGauge.Row.of(Tags.of("term", Integer.toString(term)), n)));
            encryptions.register(rows, true);
        } catch (RuntimeException e) {
            // storage unreachable or sealed: the cluster-wide figures read NaN rather than stale values
            LOG.debug("metrics: cannot read the cluster-wide figures: {}", e.toString());
            storedTokens = Double.NaN;
            overdueSeconds = Double.NaN;
            leaseStates = Map.of();
        }
    }

    /** One row per open pool of every mounted engine; a pool closed or unmounted since the last scrape drops out. */
    private void enginePools() {
        List<MultiGauge.Row<?>> connections = new ArrayList<>();
        List<MultiGauge.Row<?>> limits = new ArrayList<>();
        try {
            for (Mounts.Mounted<SecretsEngine> m : mounts.mounted()) {
                for (PoolUsage pool : m.engine().connectionPools()) {
                    Tags tags = Tags.of("mount", m.entry().path(), "connection", pool.name());
                    connections.add(MultiGauge.Row.of(tags.and("state", "active"), pool.active()));
                    connections.add(MultiGauge.Row.of(tags.and("state", "idle"), pool.idle()));
                    connections.add(MultiGauge.Row.of(tags.and("state", "pending"), pool.pending()));
                    limits.add(MultiGauge.Row.of(tags, pool.max()));
                }
            }
        } catch (RuntimeException e) {
            LOG.debug("metrics: cannot read the engines' pools: {}", e.toString());
        }
        enginePools.register(connections, true);
        enginePoolMax.register(limits, true);
    }

    @PreDestroy
    void close() {
        gc.close();
    }
}
