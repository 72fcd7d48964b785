package io.custos.broker.sys;

import static io.custos.engine.sdk.Operation.READ;

import io.custos.broker.config.TelemetryConfiguration;
import io.custos.broker.metrics.BrokerMetrics;
import io.custos.engine.sdk.EngineException;
import io.custos.engine.sdk.Field;
import io.custos.engine.sdk.FieldType;
import io.custos.engine.sdk.Json;
import io.custos.engine.sdk.PathSpec;
import io.custos.engine.sdk.Response;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import io.micrometer.core.instrument.distribution.HistogramSupport;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code sys/metrics}: every meter, as Prometheus text ({@code format=prometheus}) or in Vault's
 * JSON form (gauges, counters, samples). A token with read on {@code sys/metrics} is needed unless
 * {@code custos.telemetry.unauthenticated-metrics-access} is on.
 */
@Singleton
public class MetricsPaths implements SystemPathFamily {
    private final BrokerMetrics metrics;
    private final TelemetryConfiguration config;
    private final Clock clock;

    public MetricsPaths(BrokerMetrics metrics, TelemetryConfiguration config, Clock clock) {
        this.metrics = metrics;
        this.config = config;
        this.clock = clock;
    }

    @Override
    public List<PathSpec> paths() {
        return List.of(PathSpec.path("metrics")
                .fields(Field.of("format", FieldType.STRING, "prometheus for Prometheus's text format; "
                        + "empty for JSON."))
                .on(READ, (r, d) -> {
                    String format = d.getString("format");
                    if ("prometheus".equals(format)) {
                        return Response.raw(200, BrokerMetrics.PROMETHEUS_CONTENT_TYPE,
                                metrics.scrape().getBytes(StandardCharsets.UTF_8));
                    }
                    if (format != null && !format.isEmpty()) {
                        throw EngineException.badRequest("metric response format \"" + format + "\" unknown");
                    }
                    return Response.raw(200, "application/json", Json.write(json(metrics.meters())));
                })
                .unauthenticatedWhen(config::isUnauthenticatedMetricsAccess)
                .help("The broker's metrics (Micrometer): requests, tokens, leases, barrier, storage, JVM.",
                        "Prometheus scrapes ?format=prometheus. Without a token only when "
                                + "custos.telemetry.unauthenticated-metrics-access is on.")
                .build());
    }

    /** Vault's JSON summary (go-metrics' in-memory sink): Gauges, Counters and Samples, each with its labels. */
    private Map<String, Object> json(List<Meter> meters) {
        List<Object> gauges = new ArrayList<>();
        List<Object> counters = new ArrayList<>();
        List<Object> samples = new ArrayList<>();
        for (Meter m : meters) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("Name", m.getId().getName());
            Map<String, String> labels = new LinkedHashMap<>();
            for (Tag t : m.getId().getTagsAsIterable()) {
                labels.put(t.getKey(), t.getValue());
            }
            row.put("Labels", labels);
            if (m instanceof HistogramSupport h) {
                HistogramSnapshot s = h.takeSnapshot();
                row.put("Count", s.count());
                row.put("Sum", s.total(TimeUnit.MILLISECONDS));
                row.put("Max", s.max(TimeUnit.MILLISECONDS));
                row.put("Mean", s.mean(TimeUnit.MILLISECONDS));
                samples.add(row);
            } else if (m instanceof Counter || m instanceof FunctionCounter) {
                row.put("Count", value(m));
                counters.add(row);
            } else {
                row.put("Value", value(m));
                gauges.add(row);
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("Timestamp", clock.instant().toString());
        out.put("Gauges", gauges);
        out.put("Counters", counters);
        out.put("Samples", samples);
        return out;
    }

    private static Object value(Meter m) {
        double v = m.measure().iterator().hasNext() ? m.measure().iterator().next().getValue() : Double.NaN;
        return Double.isFinite(v) ? v : null;
    }
}
