package io.sluice.samples;

import io.sluice.broker.Admin;
import io.sluice.broker.Cluster;
import io.sluice.broker.Consumer;
import io.sluice.broker.ConsumerRecord;
import io.sluice.broker.NewTopic;
import io.sluice.broker.Producer;
import io.sluice.broker.ProducerRecord;
import io.sluice.broker.TopicPartition;
import io.sluice.engine.Job;
import io.sluice.engine.JobConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Runs a sample end to end on a cluster (the embedded broker, or any Kafka-compatible one): its topics, its input,
 * the job until caught up, then its outputs.
 */
public final class SampleRunner {
    private SampleRunner() {
    }

    /**
     * Creates the sample's topics that are missing, produces its input, runs its job until everything is processed
     * and committed (or {@code timeout} passes: an error), and returns each output topic's records, partition by
     * partition.
     */
    public static Map<String, List<ConsumerRecord>> run(Sample sample, Cluster broker, Duration timeout)
            throws InterruptedException {
        try (Admin admin = broker.admin()) {
            sample.topics().forEach((topic, partitions) -> {
                if (!admin.listTopics().contains(topic)) {
                    admin.createTopic(NewTopic.of(topic, partitions));
                }
            });
        }
        try (Producer producer = broker.producer()) {
            List<CompletableFuture<?>> sent = new ArrayList<>();
            for (ProducerRecord r : sample.input()) {
                sent.add(producer.send(r));
            }
            producer.flush();
            sent.forEach(CompletableFuture::join);
        }
        JobConfig config = JobConfig.defaults().with(JobConfig.COMMIT_INTERVAL_MS, 100);
        try (Job job = Job.start(sample.topology(Map.of()), broker, config)) {
            if (!job.awaitCaughtUp(timeout)) {
                throw new IllegalStateException("Sample " + sample.name() + " did not catch up within " + timeout
                        + ": state=" + job.state() + (job.error() == null ? "" : ", error=" + job.error()));
            }
        }
        Map<String, List<ConsumerRecord>> outputs = new LinkedHashMap<>();
        try (Consumer consumer = broker.consumer()) {
            for (String topic : sample.outputs()) {
                outputs.put(topic, readAll(consumer, topic));
            }
        }
        return outputs;
    }

    private static List<ConsumerRecord> readAll(Consumer consumer, String topic) {
        List<TopicPartition> partitions = consumer.partitionsFor(topic);
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
        List<ConsumerRecord> records = new ArrayList<>();
        while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
            records.addAll(consumer.poll(Duration.ofMillis(100)));
        }
        records.sort(java.util.Comparator.comparingInt(ConsumerRecord::partition)
                .thenComparingLong(ConsumerRecord::offset));
        return records;
    }
}
