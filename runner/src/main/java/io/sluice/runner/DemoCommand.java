package io.sluice.runner;

import io.sluice.broker.Admin;
import io.sluice.broker.Broker;
import io.sluice.broker.Consumer;
import io.sluice.broker.ConsumerConfig;
import io.sluice.broker.ConsumerRecord;
import io.sluice.broker.NewTopic;
import io.sluice.broker.PartitionDescription;
import io.sluice.broker.Producer;
import io.sluice.broker.ProducerRecord;
import io.sluice.broker.RecordMetadata;
import io.sluice.runner.internal.DataDirectory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sluice demo}: the whole path in one command — start an embedded broker, create a topic, produce keyed
 * records, consume them back as a consumer group, and check that every record arrived once, in order per key.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Start an embedded broker, create a topic, produce and consume records, print a summary.")
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Data directory to keep; default: a temporary one, removed afterwards.")
    Path dataDir;

    @Option(names = "--records", paramLabel = "N", defaultValue = "1000000",
            description = "Records (${DEFAULT-VALUE}).")
    int records;

    @Option(names = "--partitions", paramLabel = "P", defaultValue = "6",
            description = "Partitions (${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--topic", defaultValue = "demo-events", description = "Topic (${DEFAULT-VALUE}).")
    String topic;

    @Override
    public Integer call() {
        if (records < 1 || partitions < 1) {
            throw new IllegalArgumentException("--records and --partitions must be positive");
        }
        try (DataDirectory dir = DataDirectory.of(dataDir, "demo")) {
            long t0 = System.nanoTime();
            try (Broker broker = Broker.start(dir.path()); Admin admin = broker.admin()) {
                System.out.printf("Started embedded broker in %s (%d ms)%n", dir.path(), millisSince(t0));
                if (!admin.listTopics().contains(topic)) {
                    admin.createTopic(NewTopic.of(topic, partitions));
                    System.out.printf("Created topic %s with %d partitions%n", topic, partitions);
                }
                long produceNanos = produce(broker);
                System.out.printf("Produced %,d records in %d ms (%,.0f records/s)%n", records,
                        produceNanos / 1_000_000, records / (produceNanos / 1e9));
                long consumeStart = System.nanoTime();
                ConsumeResult result = consume(broker);
                long consumeNanos = System.nanoTime() - consumeStart;
                System.out.printf("Consumed %,d records in %d ms (%,.0f records/s) as group demo-group%n",
                        result.count, consumeNanos / 1_000_000, result.count / (consumeNanos / 1e9));
                printSummary(admin, result);
                return result.count == records && result.outOfOrder == 0 ? 0 : 1;
            }
        }
    }

    private long produce(Broker broker) {
        long start = System.nanoTime();
        try (Producer producer = broker.producer()) {
            CompletableFuture<RecordMetadata> last = null;
            for (int i = 0; i < records; i++) {
                String key = "user-" + (i % 1000);
                String value = "{\"user\":\"" + key + "\",\"seq\":" + i + ",\"action\":\"click\"}";
                last = producer.send(ProducerRecord.of(topic, key, value));
            }
            producer.flush();
            last.join();
        }
        return System.nanoTime() - start;
    }

    private record ConsumeResult(long count, long outOfOrder, Map<Integer, Long> perPartition) {
    }

    /**
     * Reads the records the group has not consumed yet — with a kept data directory, the ones this run produced —
     * checking that each key's sequence only grows.
     */
    private ConsumeResult consume(Broker broker) {
        ConsumerConfig config = ConsumerConfig.builder().groupId("demo-group").clientId("demo")
                .autoOffsetReset(ConsumerConfig.OffsetReset.EARLIEST).maxPollRecords(5000).build();
        Map<String, Integer> lastSeqByKey = new HashMap<>();
        Map<Integer, Long> perPartition = new HashMap<>();
        long count = 0;
        long outOfOrder = 0;
        try (Consumer consumer = broker.consumer(config)) {
            consumer.subscribe(List.of(topic));
            long idleSince = System.nanoTime();
            while (count < records && System.nanoTime() - idleSince < 10_000_000_000L) {
                List<ConsumerRecord> batch = consumer.poll(Duration.ofMillis(200));
                if (!batch.isEmpty()) {
                    idleSince = System.nanoTime();
                }
                for (ConsumerRecord r : batch) {
                    String value = new String(r.value(), StandardCharsets.UTF_8);
                    int seq = Integer.parseInt(
                            value.substring(value.indexOf("\"seq\":") + 6, value.indexOf(",\"action")));
                    Integer previous = lastSeqByKey.put(r.keyAsString(), seq);
                    if (previous != null && previous >= seq) {
                        outOfOrder++;
                    }
                    perPartition.merge(r.partition(), 1L, Long::sum);
                    count++;
                }
            }
            consumer.commitSync();
        }
        return new ConsumeResult(count, outOfOrder, perPartition);
    }

    private void printSummary(Admin admin, ConsumeResult result) {
        System.out.println();
        System.out.printf("%-10s %12s %12s %12s%n", "partition", "records", "end offset", "bytes");
        for (PartitionDescription p : admin.describeTopic(topic).partitions()) {
            System.out.printf("%-10d %,12d %,12d %,12d%n", p.partition(),
                    result.perPartition.getOrDefault(p.partition(), 0L), p.endOffset(), p.sizeBytes());
        }
        System.out.println();
        boolean ok = result.count == records && result.outOfOrder == 0;
        System.out.printf("%s: %,d of %,d records read back, %d out of order per key.%n", ok ? "OK" : "FAILED",
                result.count, records, result.outOfOrder);
    }

    private static long millisSince(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }
}
