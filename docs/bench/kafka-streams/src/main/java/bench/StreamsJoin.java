package bench;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Produced;

/**
 * Kafka Streams stream–table join, the counterpart of {@code sluice perf job --workload join}: 100,000 products
 * (key {@code product-i}, timestamp 0) and then N orders (key {@code product-<random>}, seed 7, timestamps 1 ms
 * apart from 10^12) are produced first, not timed; then the clock runs from the start of Kafka Streams until every
 * order has been processed (a counter ahead of the join, as StreamsBench counts its windowed input); how many found
 * their product is printed beside it (Kafka Streams may take orders before the products: {@code max.task.idle.ms}
 * is 0 by default). Default Kafka Streams configuration (RocksDB, record cache on) apart from the application id
 * and state directory. The products' topic is compacted, as a table's topic is (and as {@code perf job}'s is); the
 * others keep their records for ever ({@code retention.ms=-1}): the orders' timestamps are from 2001, and the
 * broker's first retention check, 30 s after its start, would otherwise delete them mid-run. With OPTIMIZE set to
 * {@code all}, Kafka Streams reads the table back from its topic instead of a changelog of its own
 * ({@code topology.optimization=all}, off by default), as sluice does over a compacted topic.
 *
 * <p>A first pass of WARMUP orders (default 0: none) runs the same way on topics and an application id of their own
 * and is not measured, as {@code sluice perf job --warmup-records} does: both sides are then timed running compiled
 * code, as a long-running job would.
 *
 *   StreamsJoin BOOTSTRAP ORDERS [PRODUCTS=100000] [PARTITIONS=6] [WARMUP=0] [OPTIMIZE=none]
 */
public final class StreamsJoin {
    private static String optimize = StreamsConfig.NO_OPTIMIZATION;

    public static void main(String[] a) throws Exception {
        String bootstrap = a[0];
        long orders = Long.parseLong(a[1]);
        int products = a.length > 2 ? Integer.parseInt(a[2]) : 100_000;
        int partitions = a.length > 3 ? Integer.parseInt(a[3]) : 6;
        long warmup = a.length > 4 ? Long.parseLong(a[4]) : 0;
        optimize = a.length > 5 ? a[5] : StreamsConfig.NO_OPTIMIZATION;
        if (warmup > 0) {
            long w0 = System.nanoTime();
            pass(bootstrap, warmup, products, partitions, false);
            System.out.printf(Locale.ROOT, "warm-up: %d orders through the same join in %d ms (not measured)%n",
                    warmup, (System.nanoTime() - w0) / 1_000_000);
        }
        pass(bootstrap, orders, products, partitions, true);
    }

    private static void pass(String bootstrap, long orders, int products, int partitions, boolean report)
            throws Exception {
        String suffix = Long.toString(System.currentTimeMillis());
        String productTopic = "join-products-" + suffix;
        String orderTopic = "join-orders-" + suffix;
        String outTopic = "join-enriched-" + suffix;
        Map<String, String> keepForEver = Map.of("retention.ms", "-1");
        try (Admin admin = Admin.create(props(bootstrap))) {
            admin.createTopics(List.of(new NewTopic(productTopic, partitions, (short) 1)
                            .configs(Map.of("cleanup.policy", "compact")),
                    new NewTopic(orderTopic, partitions, (short) 1).configs(keepForEver),
                    new NewTopic(outTopic, partitions, (short) 1).configs(keepForEver))).all().get();
        }
        long p0 = System.nanoTime();
        Properties pp = props(bootstrap);
        pp.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        pp.put(ProducerConfig.BATCH_SIZE_CONFIG, 262144);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(pp, new StringSerializer(),
                new StringSerializer())) {
            for (int i = 0; i < products; i++) {
                producer.send(new ProducerRecord<>(productTopic, null, 0L, "product-" + i,
                        "name=product " + i + ",price=" + (i % 997)));
            }
            Random random = new Random(7);
            for (long i = 0; i < orders; i++) {
                producer.send(new ProducerRecord<>(orderTopic, null, 1_000_000_000_000L + i,
                        "product-" + random.nextInt(products), "order-" + i + ",qty=" + (1 + random.nextInt(5))));
            }
            producer.flush();
        }
        if (report) {
            System.out.printf(Locale.ROOT, "input: %d products and %d orders produced in %d ms (not measured)%n",
                    products, orders, (System.nanoTime() - p0) / 1_000_000);
        }

        AtomicLong seen = new AtomicLong();
        AtomicLong joined = new AtomicLong();
        StreamsBuilder b = new StreamsBuilder();
        KTable<String, String> table = b.table(productTopic, Consumed.with(Serdes.String(), Serdes.String()));
        b.stream(orderTopic, Consumed.with(Serdes.String(), Serdes.String()))
                .peek((k, v) -> seen.incrementAndGet())
                .join(table, (order, product) -> order + "," + product)
                .peek((k, v) -> joined.incrementAndGet())
                .to(outTopic, Produced.with(Serdes.String(), Serdes.String()));
        Properties sp = props(bootstrap);
        sp.put(StreamsConfig.APPLICATION_ID_CONFIG, "join-bench-" + suffix);
        sp.put(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory("streams-join-").toString());
        sp.put(StreamsConfig.TOPOLOGY_OPTIMIZATION_CONFIG, optimize);
        long t0 = System.nanoTime();
        long done = 0;
        try (KafkaStreams streams = new KafkaStreams(b.build(sp), sp)) {
            streams.start();
            long deadline = t0 + Duration.ofMinutes(9).toNanos();
            while (System.nanoTime() < deadline) {
                if (seen.get() >= orders) {
                    done = System.nanoTime();
                    break;
                }
                Thread.sleep(5);
            }
            streams.close(Duration.ofSeconds(60));
            streams.cleanUp();
        }
        try (Admin admin = Admin.create(props(bootstrap))) {
            admin.deleteTopics(List.of(productTopic, orderTopic, outTopic)).all().get();
        }
        if (done == 0) {
            System.out.printf(Locale.ROOT, "RESULT topology=join status=TIMEOUT%s seen=%d joined=%d%n",
                    report ? "" : " (warm-up)", seen.get(), joined.get());
            return;
        }
        if (!report) {
            return;
        }
        double seconds = (done - t0) / 1e9;
        System.out.printf(Locale.ROOT, "RESULT topology=join status=OK input_records=%d joined=%d "
                + "start_to_all_processed_ms=%.0f input_records_per_s=%.0f%n", orders, joined.get(), seconds * 1000,
                orders / seconds);
    }

    private static Properties props(String bootstrap) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        return p;
    }
}
