package io.sluice.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.broker.Metric;
import io.sluice.runner.internal.MetricsEndpoint;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The Prometheus endpoint, scraped over HTTP on loopback. */
class MetricsEndpointTest {
    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void shouldServeEachScrapeInTheTextFormat() throws Exception {
        AtomicLong records = new AtomicLong(41);
        Map<String, String> odd = new LinkedHashMap<>();
        odd.put("topic", "say \"hi\"\\now");
        odd.put("partition", "0");
        try (MetricsEndpoint endpoint = new MetricsEndpoint("127.0.0.1", 0, () -> List.of(
                new Metric("records-in", "Records appended", Metric.Type.COUNTER,
                        Map.of("topic", "orders"), records.incrementAndGet()),
                new Metric("records-in", "Records appended", Metric.Type.COUNTER, odd, 7),
                new Metric("lag", "Records behind", Metric.Type.GAUGE, Map.of(), 3),
                new Metric("latency-seconds", "", Metric.Type.QUANTILE, Map.of("quantile", "0.99"), 0.00125)))) {
            assertThat(endpoint.url()).startsWith("http://127.0.0.1:").endsWith("/metrics");
            HttpResponse<String> first = get(endpoint.url());
            assertThat(first.statusCode()).isEqualTo(200);
            assertThat(first.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
            assertThat(first.body().lines().toList()).containsExactly(
                    "# HELP sluice_records_in_total Records appended",
                    "# TYPE sluice_records_in_total counter",
                    "sluice_records_in_total{topic=\"orders\"} 42",
                    "sluice_records_in_total{topic=\"say \\\"hi\\\"\\\\now\",partition=\"0\"} 7",
                    "# HELP sluice_lag Records behind",
                    "# TYPE sluice_lag gauge",
                    "sluice_lag 3",
                    "# TYPE sluice_latency_seconds gauge",
                    "sluice_latency_seconds{quantile=\"0.99\"} 0.00125000000");
            assertThat(get(endpoint.url()).body()).contains("sluice_records_in_total{topic=\"orders\"} 43");
            assertThat(get(endpoint.url().replace("/metrics", "/other")).statusCode()).isEqualTo(404);
        }
    }

    @Test
    void shouldAnswer500WhenMetricsCannotBeCollectedAndKeepServing() throws Exception {
        AtomicLong calls = new AtomicLong();
        try (MetricsEndpoint endpoint = new MetricsEndpoint("127.0.0.1", 0, () -> {
            if (calls.incrementAndGet() == 1) {
                throw new IllegalStateException("broker closing");
            }
            return List.of(new Metric("up", "", Metric.Type.GAUGE, Map.of(), 1));
        })) {
            HttpResponse<String> failed = get(endpoint.url());
            assertThat(failed.statusCode()).isEqualTo(500);
            assertThat(failed.body()).contains("broker closing");
            assertThat(get(endpoint.url()).body()).contains("sluice_up 1");
        }
    }

    @Test
    void shouldNameAPortInUse() throws Exception {
        try (MetricsEndpoint first = new MetricsEndpoint("127.0.0.1", 0, List::of)) {
            assertThatThrownBy(() -> new MetricsEndpoint("127.0.0.1", first.port(), List::of))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("Cannot serve metrics on 127.0.0.1:" + first.port());
        }
    }
}
