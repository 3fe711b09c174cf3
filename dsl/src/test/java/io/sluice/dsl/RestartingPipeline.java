package io.sluice.dsl;

import io.sluice.broker.Admin;
import io.sluice.broker.Broker;
import io.sluice.broker.Consumer;
import io.sluice.broker.ConsumerRecord;
import io.sluice.broker.NewTopic;
import io.sluice.broker.Producer;
import io.sluice.broker.ProducerRecord;
import io.sluice.broker.TopicPartition;
import io.sluice.engine.Job;
import io.sluice.engine.JobConfig;
import io.sluice.engine.ReadOnlyKeyValueStore;
import io.sluice.engine.Serdes;
import io.sluice.engine.Topology;
import io.sluice.engine.Windowed;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The child JVM of {@link RestartIT}: an embedded broker, a job with a windowed count and a stream–table join, and
 * the orders it processes, produced one at a time so that the stored orders are always a prefix 0..n-1. Killed
 * at random and started again; on the run that completes, prints the final results.
 */
public final class RestartingPipeline {
    static final int PRODUCTS = 50;
    static final int PARTITIONS = 3;
    static final long WINDOW_MS = 1_000;

    private RestartingPipeline() {
    }

    static long timestampOf(int order) {
        return 1_000_000 + order * 7L;
    }

    static String productOf(int order) {
        return "p" + (order % PRODUCTS);
    }

    static Topology topology() {
        Pipeline p = Pipeline.named("restart");
        Table<String, String> products = p.table("products", Serdes.string(), Serdes.string());
        Stream<String, Long> orders = p.stream("orders", Serdes.longs());
        orders.join(products, (order, name) -> order + ":" + name).withValueSerde(Serdes.string()).to("enriched");
        orders.groupByKey().windowedBy(Windows.tumbling(Duration.ofMillis(WINDOW_MS)).grace(Duration.ofDays(1)))
                .count("orders-per-second").toStream().to("counts");
        return p.build();
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int total = Integer.parseInt(args[1]);
        try (Broker broker = Broker.start(dir)) {
            try (Admin admin = broker.admin()) {
                Set<String> topics = admin.listTopics();
                for (String t : List.of("products", "orders", "enriched", "counts")) {
                    if (!topics.contains(t)) {
                        // A compacted table topic: the table is restored from it, not from a changelog.
                        admin.createTopic(NewTopic.of(t, PARTITIONS).withConfig("cleanup.policy",
                                t.equals("products") ? "compact" : "delete"));
                    }
                }
            }
            if (stored(broker, "products") < PRODUCTS) {
                try (Producer producer = broker.producer()) {
                    for (int i = 0; i < PRODUCTS; i++) {
                        producer.send(ProducerRecord.of("products", "p" + i, "name-" + i).withTimestamp(0)).join();
                    }
                }
            }
            JobConfig config = JobConfig.defaults().with(JobConfig.COMMIT_INTERVAL_MS, 100);
            try (Job job = Job.start(topology(), broker, config)) {
                job.awaitRunning(Duration.ofSeconds(30));
                ReadOnlyKeyValueStore<String, String> table = job.store("products");
                while (table.size() < PRODUCTS) {
                    Thread.sleep(5);
                }
                System.out.println("RUNNING");
                int next = (int) stored(broker, "orders");
                try (Producer producer = broker.producer()) {
                    for (int i = next; i < total; i++) {
                        producer.send(ProducerRecord.of("orders", productOf(i).getBytes(),
                                Serdes.longs().serialize((long) i)).withTimestamp(timestampOf(i))).join();
                        if (i % 50 == 0) {
                            System.out.println("PRODUCED " + i);
                            Thread.sleep(20);
                        }
                    }
                }
                job.awaitCaughtUp(Duration.ofMinutes(3));
            }
            printResults(broker);
        }
    }

    private static long stored(Broker broker, String topic) {
        try (Consumer consumer = broker.consumer()) {
            return consumer.endOffsets(consumer.partitionsFor(topic)).values().stream().mapToLong(Long::longValue)
                    .sum();
        }
    }

    private static void printResults(Broker broker) {
        Map<String, Long> counts = new TreeMap<>();
        WindowedKeys keys = new WindowedKeys();
        for (ConsumerRecord r : readAll(broker, "counts")) {
            Windowed<String> w = keys.deserialize(r.key());
            counts.put(w.key() + "@" + w.window().start(), Serdes.longs().deserialize(r.value()));
        }
        counts.forEach((k, v) -> System.out.println("COUNT " + k + " " + v));
        for (ConsumerRecord r : readAll(broker, "enriched")) {
            System.out.println("JOINED " + r.keyAsString() + " " + r.valueAsString());
        }
        System.out.println("DONE");
    }

    /** Reads windowed keys as the DSL writes them: key bytes, then window start and end. */
    private static final class WindowedKeys {
        Windowed<String> deserialize(byte[] bytes) {
            java.nio.ByteBuffer times = java.nio.ByteBuffer.wrap(bytes, bytes.length - 16, 16);
            return Windowed.of(new String(bytes, 0, bytes.length - 16), times.getLong(), times.getLong());
        }
    }

    private static List<ConsumerRecord> readAll(Broker broker, String topic) {
        try (Consumer consumer = broker.consumer()) {
            List<TopicPartition> parts = consumer.partitionsFor(topic);
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> ends = new HashMap<>(consumer.endOffsets(parts));
            List<ConsumerRecord> all = new java.util.ArrayList<>();
            while (parts.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
                all.addAll(consumer.poll(Duration.ofMillis(100)));
            }
            return all;
        }
    }
}
