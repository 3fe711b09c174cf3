package io.sluice.broker.internal.net;

import io.sluice.broker.Metric;
import io.sluice.broker.Metric.Type;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * How long the server took over each kind of request since it started: from the last byte of the request read to
 * its response handed to the socket (Kafka's {@code RequestMetrics} total time, less the client's share of the
 * send). Next to what a client measures, this tells the broker's share of a latency from the client's own.
 * Recorded by the network threads without waiting; read by whoever asks for metrics.
 */
final class RequestTimes {
    private static final double[] QUANTILES = {0.5, 0.9, 0.99, 0.999, 1.0};

    /** Per API key: what was recorded since the last read, and everything read so far. */
    private final Recorder[] recent = new Recorder[ApiKeys.values().length];
    private final Histogram[] total = new Histogram[ApiKeys.values().length];
    private final ApiKeys[] byIndex = ApiKeys.values();

    RequestTimes() {
        for (int i = 0; i < recent.length; i++) {
            recent[i] = new Recorder(2); // auto-resizing: a few KiB each until used
        }
    }

    /** A network thread: a request of {@code apiKey} took {@code nanos}. Unknown keys are not counted. */
    void record(short apiKey, long nanos) {
        int index = indexOf(apiKey);
        if (index >= 0) {
            recent[index].recordValue(Math.max(0, nanos));
        }
    }

    private static int indexOf(short apiKey) {
        return ApiKeys.hasId(apiKey) ? ApiKeys.forId(apiKey).ordinal() : -1;
    }

    /** A counter of requests and the quantiles of their times, per kind of request served. */
    synchronized List<Metric> metrics() {
        List<Metric> metrics = new ArrayList<>();
        for (int i = 0; i < recent.length; i++) {
            Histogram interval = recent[i].getIntervalHistogram();
            if (total[i] == null) {
                if (interval.getTotalCount() == 0) {
                    continue; // never asked for
                }
                total[i] = new Histogram(2);
                total[i].setAutoResize(true);
            }
            total[i].add(interval);
            Histogram h = total[i];
            String request = byIndex[i].name;
            metrics.add(new Metric("requests", "Requests answered, of each kind", Type.COUNTER,
                    Map.of("request", request), h.getTotalCount()));
            for (double q : QUANTILES) {
                long nanos = q == 1.0 ? h.getMaxValue() : h.getValueAtPercentile(q * 100);
                Map<String, String> tags = new LinkedHashMap<>();
                tags.put("request", request);
                tags.put("quantile", q == 1.0 ? "1" : Double.toString(q));
                metrics.add(new Metric("request-time-seconds", "Time from a request read to its response written, "
                        + "since the broker started", Type.QUANTILE, tags, nanos / 1e9));
            }
        }
        return metrics;
    }
}
