package io.sluice.samples;

import static io.sluice.samples.SampleRecords.json;

import io.sluice.broker.ProducerRecord;
import io.sluice.dsl.Pipeline;
import io.sluice.dsl.Windows;
import io.sluice.engine.KeyValue;
import io.sluice.engine.Serde;
import io.sluice.engine.Serdes;
import io.sluice.engine.Topology;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.DataFormatException;
import org.HdrHistogram.Histogram;

/**
 * Metrics aggregation: request latencies reported by hosts are summarized per host over 1-minute windows that
 * advance every 30 seconds — count, average, p99 and max — and each window's final figures go to
 * {@value #HOST_LATENCY} once it has closed (10 seconds of grace for late reports).
 */
public final class HostMetrics implements Sample {
    public static final String MEASUREMENTS = "latency-measurements";
    public static final String HOST_LATENCY = "host-latency";
    public static final Duration WINDOW = Duration.ofMinutes(1);
    public static final Duration ADVANCE = Duration.ofSeconds(30);

    /** One request's latency, in milliseconds. */
    public record Measurement(double millis) {
    }

    /** A window's figures for one host. */
    public record HostLatency(String host, String start, String end, long count, double averageMs, double p99Ms,
                              double maxMs) {
    }

    /**
     * The latencies seen in a window: their count and sum, and an HdrHistogram (microseconds, 3 significant digits)
     * for the percentiles. Each update returns a new instance, as the stores expect of an aggregate.
     */
    public static final class LatencyStats {
        private final long count;
        private final double sumMs;
        private final double maxMs;
        private final Histogram micros;

        private LatencyStats(long count, double sumMs, double maxMs, Histogram micros) {
            this.count = count;
            this.sumMs = sumMs;
            this.maxMs = maxMs;
            this.micros = micros;
        }

        static LatencyStats empty() {
            return new LatencyStats(0, 0, 0, newHistogram());
        }

        LatencyStats plus(Measurement m) {
            Histogram copy = micros.copy();
            copy.recordValue(Math.max(0, Math.round(m.millis() * 1000)));
            return new LatencyStats(count + 1, sumMs + m.millis(), Math.max(maxMs, m.millis()), copy);
        }

        public long count() {
            return count;
        }

        public double averageMs() {
            return count == 0 ? 0 : sumMs / count;
        }

        /** To 0.1 ms: the histogram keeps 3 significant digits, so more would only show its bucket edges. */
        public double percentileMs(double percentile) {
            return Math.round(micros.getValueAtPercentile(percentile) / 100.0) / 10.0;
        }

        public double maxMs() {
            return maxMs;
        }

        private static Histogram newHistogram() {
            Histogram h = new Histogram(3);
            h.setAutoResize(true);
            return h;
        }

        /** [count][sum][max][compressed histogram]: what the store's changelog holds. */
        static final Serde<LatencyStats> SERDE = Serdes.of("latency-stats", stats -> {
            ByteBuffer buffer = ByteBuffer.allocate(24 + stats.micros.getNeededByteBufferCapacity());
            buffer.putLong(stats.count).putDouble(stats.sumMs).putDouble(stats.maxMs);
            stats.micros.encodeIntoCompressedByteBuffer(buffer);
            byte[] out = new byte[buffer.position()];
            buffer.flip().get(out);
            return out;
        }, bytes -> {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            long count = buffer.getLong();
            double sum = buffer.getDouble();
            double max = buffer.getDouble();
            try {
                Histogram h = Histogram.decodeFromCompressedByteBuffer(buffer, 0);
                h.setAutoResize(true);
                return new LatencyStats(count, sum, max, h);
            } catch (DataFormatException e) {
                throw new IllegalArgumentException("Corrupt latency stats: " + e.getMessage(), e);
            }
        });
    }

    @Override
    public Topology topology(Map<String, String> settings) {
        return topology();
    }

    public static Topology topology() {
        Pipeline p = Pipeline.named("host-metrics");
        p.stream(MEASUREMENTS, Serdes.json(Measurement.class))
                .groupByKey()
                .windowedBy(Windows.hopping(WINDOW, ADVANCE).grace(Duration.ofSeconds(10)))
                .aggregate("latency-stats", LatencyStats.SERDE, LatencyStats::empty, LatencyStats::plus)
                .suppressUntilWindowCloses("final-latency-stats")
                .toStream()
                .map((window, stats) -> KeyValue.of(window.key(), new HostLatency(window.key(),
                        Instant.ofEpochMilli(window.window().start()).toString(),
                        Instant.ofEpochMilli(window.window().end()).toString(), stats.count(),
                        Math.round(stats.averageMs() * 100) / 100.0, stats.percentileMs(99), stats.maxMs())))
                .withKeySerde(Serdes.string())
                .withValueSerde(Serdes.json(HostLatency.class))
                .to(HOST_LATENCY);
        return p.build();
    }

    @Override
    public String name() {
        return "metrics";
    }

    @Override
    public String description() {
        return "request latencies per host over hopping 1-minute windows: count, average, p99, max";
    }

    @Override
    public Map<String, Integer> topics() {
        Map<String, Integer> topics = new LinkedHashMap<>();
        topics.put(MEASUREMENTS, 1); // one partition: stream time, which closes windows, advances per partition
        topics.put(HOST_LATENCY, 1);
        return topics;
    }

    @Override
    public List<ProducerRecord> input() {
        List<ProducerRecord> input = new ArrayList<>();
        // web-1: 100 requests over 09:00:00–09:00:49, 1..100 ms; web-2: 10 requests at 09:00:40–09:00:49, 5 ms each.
        for (int i = 0; i < 100; i++) {
            input.add(json(MEASUREMENTS, "web-1", new Measurement(i + 1),
                    Instant.parse("2026-11-30T09:00:00Z").plusMillis(i * 500L).toString()));
        }
        for (int i = 0; i < 10; i++) {
            input.add(json(MEASUREMENTS, "web-2", new Measurement(5), "2026-11-30T09:00:4" + i + "Z"));
        }
        // A report three minutes on closes every window above (grace included).
        input.add(json(MEASUREMENTS, "web-2", new Measurement(7), "2026-11-30T09:03:00Z"));
        return input;
    }

    @Override
    public List<String> outputs() {
        return List.of(HOST_LATENCY);
    }
}
