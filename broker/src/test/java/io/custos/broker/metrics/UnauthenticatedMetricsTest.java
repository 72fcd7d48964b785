package io.custos.broker.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.custos.broker.http.BrokerHttpTest;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code custos.telemetry.unauthenticated-metrics-access=true}: a scraper without a token is
 * answered — and cannot make PostgreSQL count tokens and leases more than once per
 * {@code custos.telemetry.cluster-counts-interval}.
 */
@MicronautTest(transactional = false)
class UnauthenticatedMetricsTest extends BrokerHttpTest {

    @Override
    protected Map<String, String> extraProperties() {
        return Map.of("custos.telemetry.unauthenticated-metrics-access", "true",
                "custos.telemetry.cluster-counts-interval", "1h");
    }

    private String scrape() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getPort()
                + "/v1/sys/metrics?format=prometheus")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        return r.body();
    }

    private static String tokensStored(String text) {
        Matcher m = Pattern.compile("(?m)^custos_tokens_stored (\\S+)$").matcher(text);
        assertTrue(m.find(), text);
        return m.group(1);
    }

    @Test
    void aScraperWithoutATokenGetsTheMetricsAndPostgresqlCountsOncePerInterval() throws Exception {
        String root = initAndUnseal();
        String counted = tokensStored(scrape());
        for (int i = 0; i < 3; i++) {
            call("POST", "auth/token/create", root, "{\"policies\":[\"default\"]}");
        }
        for (int i = 0; i < 20; i++) { // anyone may scrape, as often as they like: counted again only after 1h
            assertEquals(counted, tokensStored(scrape()));
        }
    }
}
