package io.sluice.engine.internal.runtime;

import io.sluice.broker.Admin;
import io.sluice.broker.Cluster;
import io.sluice.broker.Consumer;
import io.sluice.broker.OffsetAndMetadata;
import io.sluice.broker.Producer;
import io.sluice.broker.TopicPartition;
import io.sluice.engine.internal.topology.SubTopology;
import io.sluice.engine.internal.topology.TopologyModel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * How far a job has got through its inputs, repartition topics included: committed (lag) or processed. In both
 * cases positions are read before end offsets — an upstream task publishes its positions only once what it
 * forwarded is with the producer (and flushes before committing), and {@code awaitProcessed} waits for the
 * producer's records to reach the logs before reading the ends — so a repartition topic's end offset covers what
 * was passed on.
 */
public final class JobProgress {
    private final Cluster broker;
    private final TopologyModel model;
    private final Map<String, Integer> partitions;

    public JobProgress(Cluster broker, TopologyModel model, Map<String, Integer> partitions) {
        this.broker = broker;
        this.model = model;
        this.partitions = partitions;
    }

    /** Every input partition of the job. */
    public List<TopicPartition> inputs() {
        List<TopicPartition> inputs = new ArrayList<>();
        for (SubTopology sub : model.subTopologies()) {
            for (String topic : sub.sourceTopics()) {
                for (int p = 0; p < partitions.getOrDefault(topic, 0); p++) {
                    inputs.add(new TopicPartition(topic, p));
                }
            }
        }
        return inputs;
    }

    /** Records between each input partition's committed offset and its end. */
    public Map<TopicPartition, Long> lag() {
        List<TopicPartition> inputs = inputs();
        Map<TopicPartition, Long> lag = new LinkedHashMap<>();
        try (Consumer consumer = broker.consumer(); Admin admin = broker.admin()) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listGroupOffsets(model.applicationId());
            Map<TopicPartition, Long> begin = consumer.beginningOffsets(inputs);
            consumer.endOffsets(inputs).forEach((tp, end) -> {
                OffsetAndMetadata c = committed.get(tp);
                lag.put(tp, Math.max(0, end - (c == null ? begin.get(tp) : c.offset())));
            });
        }
        return lag;
    }

    /** Waits until the lag is zero everywhere; false on timeout or once {@code active} says the job stopped. */
    public boolean awaitCommitted(Duration timeout, BooleanSupplier active) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline && active.getAsBoolean()) {
            if (lag().values().stream().allMatch(l -> l == 0)) {
                return true;
            }
            Thread.sleep(10);
        }
        return false;
    }

    /** Waits until every input partition is processed to its end, by the tasks' published positions. */
    public boolean awaitProcessed(Duration timeout, BooleanSupplier active,
                                  Supplier<Map<TopicPartition, Long>> processedPositions) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int inputCount = inputs().size();
        try (Consumer consumer = broker.consumer(); Producer barrier = broker.producer()) {
            while (System.nanoTime() < deadline && active.getAsBoolean()) {
                Map<TopicPartition, Long> processed = processedPositions.get();
                // Tasks publish positions once what they sent is with the producer; wait until it is in the logs.
                barrier.flush();
                if (processed.size() == inputCount && caughtUp(consumer, processed)) {
                    return true;
                }
                Thread.sleep(2);
            }
        }
        return false;
    }

    private static boolean caughtUp(Consumer consumer, Map<TopicPartition, Long> processed) {
        Map<TopicPartition, Long> begin = consumer.beginningOffsets(processed.keySet());
        for (Map.Entry<TopicPartition, Long> end : consumer.endOffsets(processed.keySet()).entrySet()) {
            if (Math.max(processed.get(end.getKey()), begin.get(end.getKey())) < end.getValue()) {
                return false;
            }
        }
        return true;
    }
}
