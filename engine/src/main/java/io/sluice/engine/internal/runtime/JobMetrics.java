package io.sluice.engine.internal.runtime;

import io.sluice.broker.Metric;
import io.sluice.broker.Metric.Type;
import io.sluice.broker.TopicPartition;
import io.sluice.engine.LatencyProfile;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/** A job's metrics as {@link Metric}s: its counters, and the gauges and latency quantiles read now. */
public final class JobMetrics {
    /** What each counter of the engine means; a counter not listed is shown without help. */
    private static final Map<String, String> HELP = Map.of(
            "records-processed", "Input records a task processed (repartition topics included)",
            "dropped-late-records", "Records dropped because their window had closed (past grace)",
            "skipped-records-deserialization", "Records skipped because their key or value could not be read",
            "dead-letter-records", "Records sent to the dead-letter topic",
            "dropped-records-invalid-timestamp", "Records dropped for a negative extracted timestamp",
            "restored-records", "Changelog records restored into a store",
            "restore-total-records", "Changelog records a store had to restore at start",
            "input-pauses", "Times a thread paused an input that piled up while its task waited for another",
            "replaced-threads", "Stream threads replaced after an error");
    private static final double[] QUANTILES = {0.5, 0.9, 0.99, 0.999, 0.9999, 1.0};

    private JobMetrics() {
    }

    /**
     * @param counters counters named {@code name{tag=value}}
     * @param lag      the job's lag per input partition
     * @param stores   entries per store (all tasks)
     * @param profile  latency histograms, or null
     */
    public static List<Metric> collect(String job, String state, Map<String, Long> counters,
                                       Map<TopicPartition, Long> lag, Map<String, Long> stores,
                                       LatencyProfile profile) {
        List<Metric> metrics = new ArrayList<>();
        metrics.add(new Metric("job-running", "1 while the job runs (or restores), else 0", Type.GAUGE,
                Map.of("job", job), state.equals("RUNNING") || state.equals("RESTORING") ? 1 : 0));
        counters.forEach((key, value) -> {
            int open = key.indexOf('{');
            String name = open < 0 ? key : key.substring(0, open);
            Map<String, String> tags = new LinkedHashMap<>();
            tags.put("job", job);
            if (open >= 0) {
                for (String pair : key.substring(open + 1, key.length() - 1).split(",")) {
                    int eq = pair.indexOf('=');
                    tags.put(pair.substring(0, eq), pair.substring(eq + 1));
                }
            }
            metrics.add(new Metric(name, HELP.getOrDefault(name, ""), Type.COUNTER, tags, value));
        });
        lag.forEach((tp, records) -> metrics.add(new Metric("lag", "Records between the job's committed position "
                + "and the end of an input partition", Type.GAUGE, tags(job, "topic", tp.topic(), "partition",
                Integer.toString(tp.partition())), records)));
        stores.forEach((store, entries) -> metrics.add(new Metric("store-entries", "Entries a store holds, all "
                + "tasks together", Type.GAUGE, tags(job, "store", store), entries)));
        if (profile != null) {
            profile.total().forEach((operator, nanos) -> {
                if (nanos.getTotalCount() > 0) {
                    addQuantiles(metrics, job, operator, nanos);
                }
            });
        }
        return metrics;
    }

    private static void addQuantiles(List<Metric> metrics, String job, String operator, Histogram nanos) {
        for (double q : QUANTILES) {
            Map<String, String> tags = tags(job, "operator", operator);
            tags.put("quantile", q == 1.0 ? "1" : Double.toString(q));
            long value = q == 1.0 ? nanos.getMaxValue() : nanos.getValueAtPercentile(q * 100);
            metrics.add(new Metric("latency-seconds", "Sampled records' time in an operator (its own), or from "
                    + "their timestamp to their write (end-to-end)", Type.QUANTILE, tags, value / 1e9));
        }
    }

    private static Map<String, String> tags(String job, String... pairs) {
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put("job", job);
        for (int i = 0; i < pairs.length; i += 2) {
            tags.put(pairs[i], pairs[i + 1]);
        }
        return tags;
    }
}
