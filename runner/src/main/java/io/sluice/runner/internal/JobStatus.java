package io.sluice.runner.internal;

import io.sluice.broker.Cluster;
import io.sluice.broker.Consumer;
import io.sluice.broker.TopicPartition;
import io.sluice.engine.Job;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A running job's progress between two looks: records in and out per second, lag, stores still restoring. In
 * counts what the job committed on its input topics, out what reached its output topics (internal topics apart:
 * "processed" counts the records through repartition topics too).
 */
public final class JobStatus implements AutoCloseable {
    private final Job job;
    private final Consumer offsets;
    private final List<TopicPartition> inputs = new ArrayList<>();
    private final List<TopicPartition> outputs = new ArrayList<>();
    private long lastNanos;
    private long lastIn;
    private long lastOut;

    public JobStatus(Job job, Cluster broker, Set<String> inputTopics, Set<String> outputTopics) {
        this.job = job;
        this.offsets = broker.consumer();
        for (String topic : inputTopics) {
            inputs.addAll(offsets.partitionsFor(topic));
        }
        for (String topic : outputTopics) {
            outputs.addAll(offsets.partitionsFor(topic));
        }
        this.lastNanos = System.nanoTime();
        this.lastIn = committedInput(job.lag());
        this.lastOut = endOffsetSum(outputs);
    }

    /** One line describing the job now, with rates since the previous call. */
    public String line() {
        long now = System.nanoTime();
        Map<String, Long> metrics = job.metrics();
        Map<TopicPartition, Long> lags = job.lag();
        long in = committedInput(lags);
        long out = endOffsetSum(outputs);
        double seconds = Math.max(1e-3, (now - lastNanos) / 1e9);
        long lag = lags.values().stream().mapToLong(Long::longValue).sum();
        String line = String.format(Locale.ROOT, "%-9s in %,.0f/s  out %,.0f/s  lag %,d  processed %,d%s",
                job.state(), Math.max(0, in - lastIn) / seconds, (out - lastOut) / seconds, lag, processed(metrics),
                restoring(metrics));
        lastNanos = now;
        lastIn = in;
        lastOut = out;
        return line;
    }

    private static long processed(Map<String, Long> metrics) {
        long sum = 0;
        for (Map.Entry<String, Long> e : metrics.entrySet()) {
            if (e.getKey().startsWith("records-processed{")) {
                sum += e.getValue();
            }
        }
        return sum;
    }

    private long endOffsetSum(List<TopicPartition> partitions) {
        long sum = 0;
        for (long end : offsets.endOffsets(partitions).values()) {
            sum += end;
        }
        return sum;
    }

    /** The job's committed position summed over its input partitions: their ends less its lag on them. */
    private long committedInput(Map<TopicPartition, Long> lags) {
        long sum = 0;
        for (Map.Entry<TopicPartition, Long> e : offsets.endOffsets(inputs).entrySet()) {
            sum += e.getValue() - lags.getOrDefault(e.getKey(), 0L);
        }
        return sum;
    }

    /** "  restoring counts 45%" for each store not yet restored. */
    private static String restoring(Map<String, Long> metrics) {
        StringBuilder s = new StringBuilder();
        for (Map.Entry<String, Long> e : metrics.entrySet()) {
            String key = e.getKey();
            if (key.startsWith("restore-total-records{store=")) {
                String store = key.substring("restore-total-records{store=".length(), key.length() - 1);
                long total = e.getValue();
                long done = metrics.getOrDefault("restored-records{store=" + store + "}", 0L);
                if (done < total) {
                    s.append(String.format(Locale.ROOT, "  restoring %s %d%%", store, done * 100 / total));
                }
            }
        }
        return s.toString();
    }

    @Override
    public void close() {
        offsets.close();
    }
}
