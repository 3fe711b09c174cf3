package io.sluice.samples;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.broker.ConsumerRecord;
import io.sluice.broker.ProducerRecord;
import io.sluice.engine.TestDriver;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each sample's known input through the test driver, and the outputs it must give. */
class SamplesTest {
    /** Runs a sample's input through the driver; per output topic, "key value" lines in append order. */
    static Map<String, List<String>> run(Sample sample) {
        TestDriver.Builder builder = TestDriver.builder(sample.topology(Map.of()));
        sample.topics().forEach(builder::partitions);
        try (TestDriver driver = builder.build()) {
            for (ProducerRecord r : sample.input()) {
                driver.input(r.topic()).sendBytes(r.key(), r.value(), r.timestamp(), r.headers());
            }
            Map<String, List<String>> outputs = new java.util.LinkedHashMap<>();
            for (String topic : sample.outputs()) {
                outputs.put(topic, driver.records(topic).stream().map(SamplesTest::line).toList());
            }
            return outputs;
        }
    }

    static String line(ConsumerRecord r) {
        return text(r.key()) + " " + text(r.value());
    }

    private static String text(byte[] bytes) {
        return bytes == null ? "null" : new String(bytes, StandardCharsets.UTF_8);
    }

    @Test
    void shouldNameOrderLinesTrackStockAndAlertWhenItRunsOut() {
        Map<String, List<String>> out = run(new OrdersAndInventory());
        assertThat(out.get(OrdersAndInventory.ORDER_LINES)).containsExactlyInAnyOrder(
                "p-1 {\"orderId\":\"o-1\",\"product\":\"p-1\",\"name\":\"espresso beans 1 kg\",\"quantity\":2}",
                "p-2 {\"orderId\":\"o-2\",\"product\":\"p-2\",\"name\":\"milk frother\",\"quantity\":1}",
                "p-1 {\"orderId\":\"o-3\",\"product\":\"p-1\",\"name\":\"espresso beans 1 kg\",\"quantity\":3}",
                "p-3 {\"orderId\":\"o-4\",\"product\":\"p-3\",\"name\":\"paper filters\",\"quantity\":10}",
                "p-2 {\"orderId\":\"o-5\",\"product\":\"p-2\",\"name\":\"milk frother\",\"quantity\":2}");
        // Every change of a product's stock, in order per product.
        assertThat(out.get(OrdersAndInventory.STOCK_LEVELS)).filteredOn(l -> l.startsWith("p-1 ")).containsExactly(
                "p-1 {\"name\":\"espresso beans 1 kg\",\"received\":5,\"ordered\":0,\"remaining\":5}",
                "p-1 {\"name\":\"espresso beans 1 kg\",\"received\":5,\"ordered\":2,\"remaining\":3}",
                "p-1 {\"name\":\"espresso beans 1 kg\",\"received\":5,\"ordered\":5,\"remaining\":0}");
        assertThat(out.get(OrdersAndInventory.STOCK_LEVELS)).filteredOn(l -> l.startsWith("p-2 ")).last()
                .isEqualTo("p-2 {\"name\":\"milk frother\",\"received\":2,\"ordered\":3,\"remaining\":-1}");
        assertThat(out.get(OrdersAndInventory.ALERTS)).containsExactlyInAnyOrder(
                "p-1 {\"product\":\"p-1\",\"name\":\"espresso beans 1 kg\",\"shortBy\":0}",
                "p-2 {\"product\":\"p-2\",\"name\":\"milk frother\",\"shortBy\":1}");
    }

    @Test
    void shouldSummarizeEachFinishedSessionOnce() {
        Map<String, List<String>> out = run(new SiteActivity());
        assertThat(out.get(SiteActivity.SESSIONS)).containsExactlyInAnyOrder(
                "ana {\"user\":\"ana\",\"start\":\"2026-11-30T09:00:00Z\",\"end\":\"2026-11-30T09:20:00Z\","
                        + "\"seconds\":1200,\"views\":3,\"pages\":[\"/\",\"/pricing\",\"/signup\"]}",
                "ben {\"user\":\"ben\",\"start\":\"2026-11-30T09:05:00Z\",\"end\":\"2026-11-30T09:05:00Z\","
                        + "\"seconds\":0,\"views\":1,\"pages\":[\"/blog/streams\"]}",
                "ben {\"user\":\"ben\",\"start\":\"2026-11-30T09:50:00Z\",\"end\":\"2026-11-30T09:50:00Z\","
                        + "\"seconds\":0,\"views\":1,\"pages\":[\"/\"]}",
                "ana {\"user\":\"ana\",\"start\":\"2026-11-30T10:30:00Z\",\"end\":\"2026-11-30T10:30:00Z\","
                        + "\"seconds\":0,\"views\":1,\"pages\":[\"/docs\"]}");
        // cy's session is still open: stream time has not passed its end.
    }

    @Test
    void shouldGiveEachHopOfEachHostItsFinalFigures() {
        Map<String, List<String>> out = run(new HostMetrics());
        // web-1's 100 reports (1..100 ms, 09:00:00–09:00:49.5) fall in the windows starting 08:59:30 and 09:00:00.
        assertThat(out.get(HostMetrics.HOST_LATENCY)).filteredOn(l -> l.startsWith("web-1 ")).containsExactly(
                "web-1 {\"host\":\"web-1\",\"start\":\"2026-11-30T08:59:30Z\",\"end\":\"2026-11-30T09:00:30Z\","
                        + "\"count\":60,\"averageMs\":30.5,\"p99Ms\":60.0,\"maxMs\":60.0}",
                "web-1 {\"host\":\"web-1\",\"start\":\"2026-11-30T09:00:00Z\",\"end\":\"2026-11-30T09:01:00Z\","
                        + "\"count\":100,\"averageMs\":50.5,\"p99Ms\":99.0,\"maxMs\":100.0}",
                "web-1 {\"host\":\"web-1\",\"start\":\"2026-11-30T09:00:30Z\",\"end\":\"2026-11-30T09:01:30Z\","
                        + "\"count\":40,\"averageMs\":80.5,\"p99Ms\":100.0,\"maxMs\":100.0}");
        // web-2's reports at 09:00:40–49 lie in two windows; its report at 09:03 is in windows not closed yet.
        assertThat(out.get(HostMetrics.HOST_LATENCY)).filteredOn(l -> l.startsWith("web-2 ")).hasSize(2)
                .allSatisfy(l -> assertThat(l).contains("\"count\":10,\"averageMs\":5.0,\"p99Ms\":5.0"));
    }

    @Test
    void shouldParseFilterEnrichAndRouteLogLinesLosingNone() {
        Map<String, List<String>> out = run(new LogPipeline());
        assertThat(out.get(LogPipeline.ERRORS)).containsExactlyInAnyOrder(
                "payments {\"time\":\"2026-11-30T09:00:03Z\",\"level\":\"ERROR\",\"service\":\"payments\","
                        + "\"message\":\"timeout calling bank order=o-18\",\"team\":\"team-money\"}",
                "mailer {\"time\":\"2026-11-30T09:00:05Z\",\"level\":\"ERROR\",\"service\":\"mailer\","
                        + "\"message\":\"smtp refused\",\"team\":\"unowned\"}");
        assertThat(out.get(LogPipeline.EVENTS)).containsExactlyInAnyOrder(
                "payments {\"time\":\"2026-11-30T09:00:01Z\",\"level\":\"INFO\",\"service\":\"payments\","
                        + "\"message\":\"charge accepted order=o-17\",\"team\":\"team-money\"}",
                "search {\"time\":\"2026-11-30T09:00:04Z\",\"level\":\"WARN\",\"service\":\"search\","
                        + "\"message\":\"slow query 812 ms\",\"team\":\"team-find\"}");
        assertThat(out.get(LogPipeline.UNPARSED)).containsExactly("null this line is not a log line");
    }
}
