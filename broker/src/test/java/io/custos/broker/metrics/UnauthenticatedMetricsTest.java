package io.custos.broker.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.custos.broker.http.BrokerHttpTest;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code custos.telemetry.unauthenticated-metrics-access=true}: a scraper without a token is answered. */
@MicronautTest
class UnauthenticatedMetricsTest extends BrokerHttpTest {

    @Override
    protected Map<String, String> extraProperties() {
        return Map.of("custos.telemetry.unauthenticated-metrics-access", "true");
    }

    @Test
    void aScraperWithoutATokenGetsTheMetrics() throws Exception {
        initAndUnseal();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getPort()
                + "/v1/sys/metrics?format=prometheus")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        assertTrue(r.body().contains("custos_tokens_stored"), r.body());
    }
}
