package io.sluice.runner.perf;

import io.sluice.broker.Admin;
import io.sluice.broker.Cluster;
import io.sluice.broker.Consumer;
import io.sluice.broker.ConsumerConfig;
import io.sluice.broker.ConsumerRecord;
import io.sluice.broker.NewTopic;
import io.sluice.broker.Producer;
import io.sluice.broker.ProducerRecord;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code sluice perf consume}: one consumer reads N records from the beginning of every partition of a topic, of an
 * embedded broker or, with {@code --bootstrap}, of a running cluster. If the topic holds fewer records, the rest is
 * produced first (not measured).
 */
@Command(name = "consume", mixinStandardHelpOptions = true,
        description = "Read throughput of one consumer: of an embedded broker, or of a cluster (--bootstrap).")
final class ConsumePerf implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    TargetOptions target;

    @Option(names = "--records", paramLabel = "N", defaultValue = "10000000",
            description = "Records to read (${DEFAULT-VALUE}).")
    long records;

    @Option(names = "--record-size", paramLabel = "BYTES", defaultValue = "100",
            description = "Value size of records produced first, if needed (${DEFAULT-VALUE}).")
    int recordSize;

    @Option(names = "--partitions", paramLabel = "P", defaultValue = "6",
            description = "Partitions, if the topic must be created (${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--max-poll-records", paramLabel = "N", defaultValue = "500",
            description = "Records per poll (${DEFAULT-VALUE}, as Kafka).")
    int maxPollRecords;

    @Option(names = "--topic", defaultValue = "perf", description = "Topic (${DEFAULT-VALUE}).")
    String topic;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (records < 1 || partitions < 1 || maxPollRecords < 1 || recordSize < 0) {
            throw PerfCommand.usage(spec, "records, partitions and max-poll-records must be positive");
        }
        try (TargetOptions.Target t = target.open(spec, "perf");
             Admin admin = t.cluster().admin()) {
            Cluster b = t.cluster();
            if (!admin.listTopics().contains(topic)) {
                admin.createTopic(NewTopic.of(topic, partitions));
            }
            long present = admin.describeTopic(topic).partitions().stream()
                    .mapToLong(p -> p.endOffset() - p.startOffset()).sum();
            if (present < records) {
                fill(b, records - present);
            }
            // Warm-up pass over the same data, not measured.
            read(b, Math.min(records, 1_000_000));
            long start = System.nanoTime();
            long bytes = read(b, records);
            long elapsed = System.nanoTime() - start;
            double seconds = elapsed / 1e9;
            out.printf("sluice perf consume: %,d records from %s (%d partitions) of %s, max.poll.records=%d%n",
                    records, topic, admin.describeTopic(topic).partitions().size(), t.description(), maxPollRecords);
            out.printf("  throughput  %,.0f records/s  %.1f MiB/s  (%.2f s)%n", records / seconds,
                    bytes / (1024.0 * 1024.0) / seconds, seconds);
        }
        return 0;
    }

    private void fill(Cluster b, long count) {
        byte[] value = new byte[recordSize];
        new Random(42).nextBytes(value);
        try (Producer producer = b.producer()) {
            for (long i = 0; i < count; i++) {
                producer.send(ProducerRecord.of(topic, value), (m, e) -> { });
            }
            producer.flush();
        }
    }

    /** Reads {@code count} records from the beginning; returns the key and value bytes read. */
    private long read(Cluster b, long count) {
        try (Consumer consumer = b.consumer(ConsumerConfig.builder().maxPollRecords(maxPollRecords).build())) {
            consumer.assign(consumer.partitionsFor(topic));
            consumer.seekToBeginning(consumer.assignment());
            long read = 0;
            long bytes = 0;
            while (read < count) {
                List<ConsumerRecord> batch = consumer.poll(Duration.ofSeconds(5));
                if (batch.isEmpty()) {
                    throw new IllegalStateException("No records within 5 s after " + read + " of " + count);
                }
                for (ConsumerRecord r : batch) {
                    bytes += (r.key() == null ? 0 : r.key().length) + (r.value() == null ? 0 : r.value().length);
                }
                read += batch.size();
            }
            return bytes;
        }
    }
}
