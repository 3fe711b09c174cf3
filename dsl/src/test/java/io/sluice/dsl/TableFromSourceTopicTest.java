package io.sluice.dsl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.broker.Admin;
import io.sluice.broker.Broker;
import io.sluice.broker.Consumer;
import io.sluice.broker.ConsumerRecord;
import io.sluice.broker.NewTopic;
import io.sluice.broker.Producer;
import io.sluice.broker.ProducerRecord;
import io.sluice.broker.TopicPartition;
import io.sluice.broker.UnknownTopicException;
import io.sluice.engine.Job;
import io.sluice.engine.JobConfig;
import io.sluice.engine.ReadOnlyKeyValueStore;
import io.sluice.engine.Serdes;
import io.sluice.engine.TestDriver;
import io.sluice.engine.Topology;
import io.sluice.engine.TopologyException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A table over a compacted topic is restored from that topic, up to its task's committed offset, and writes no
 * changelog of its own; over a topic whose records expire it keeps a changelog.
 */
@Timeout(60)
class TableFromSourceTopicTest {
    private static final String CHANGELOG = "prices-products-changelog";

    @TempDir
    Path dir;

    private static Topology topology() {
        Pipeline p = Pipeline.named("prices");
        Table<String, Long> products = p.table("products", Serdes.string(), Serdes.longs());
        p.stream("orders", Serdes.string(), Serdes.string())
                .join(products, (order, price) -> order + "@" + price).withValueSerde(Serdes.string())
                .to("priced");
        return p.build();
    }

    private static void createTopics(Broker broker, String productsPolicy) {
        try (Admin admin = broker.admin()) {
            admin.createTopic(NewTopic.of("products", 3).withConfig("cleanup.policy", productsPolicy));
            admin.createTopic(NewTopic.of("orders", 3));
            admin.createTopic(NewTopic.of("priced", 3));
        }
    }

    private static void send(Broker broker, String topic, String key, byte[] value) {
        try (Producer producer = broker.producer()) {
            producer.send(ProducerRecord.of(topic, key == null ? null : key.getBytes(), value)).join();
        }
    }

    private static void price(Broker broker, String product, Long price) {
        send(broker, "products", product, price == null ? null : Serdes.longs().serialize(price));
    }

    private static void order(Broker broker, String product, String order) {
        send(broker, "orders", product, order.getBytes());
    }

    /** Runs the job until it has restored and processed everything stored, then stops it (which commits). */
    private static Map<String, Long> runOnce(Broker broker, JobConfig config) throws InterruptedException {
        try (Job job = Job.start(topology(), broker, config)) {
            assertThat(job.awaitRunning(Duration.ofSeconds(30))).isTrue();
            assertThat(job.awaitCaughtUp(Duration.ofSeconds(30))).isTrue();
            return job.metrics();
        }
    }

    private static List<String> priced(Broker broker) {
        List<String> values = new ArrayList<>();
        try (Consumer consumer = broker.consumer()) {
            List<TopicPartition> partitions = consumer.partitionsFor("priced");
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                for (ConsumerRecord r : consumer.poll(Duration.ofMillis(100))) {
                    values.add(r.valueAsString());
                }
            }
        }
        values.sort(null);
        return values;
    }

    @Test
    void shouldRestoreATableFromItsCompactedTopicUpToTheCommittedOffset() throws Exception {
        try (Broker broker = Broker.start(dir)) {
            createTopics(broker, "compact");
            for (int i = 0; i < 30; i++) {
                price(broker, "p" + i, 100L + i);
            }
            order(broker, "p1", "o1");
            runOnce(broker, JobConfig.defaults());
            try (Admin admin = broker.admin()) {
                assertThat(admin.listTopics()).doesNotContain(CHANGELOG);
            }

            // Written while the job is down: read by the restarted task after the restore, not restored.
            price(broker, "p2", 999L);
            price(broker, "p3", null);
            order(broker, "p2", "o2");
            order(broker, "p3", "o3");
            order(broker, "p4", "o4");
            Map<String, Long> metrics;
            try (Job job = Job.start(topology(), broker)) {
                assertThat(job.awaitRunning(Duration.ofSeconds(30))).isTrue();
            assertThat(job.awaitCaughtUp(Duration.ofSeconds(30))).isTrue();
                ReadOnlyKeyValueStore<String, Long> table = job.store("products");
                assertThat(table.get("p2")).isEqualTo(999L);
                assertThat(table.get("p3")).isNull();
                assertThat(table.get("p29")).isEqualTo(129L);
                assertThat(table.size()).isEqualTo(29);
                metrics = job.metrics();
            }
            assertThat(metrics).containsEntry("restore-total-records{store=products}", 30L)
                    .containsEntry("restored-records{store=products}", 30L);
            assertThat(priced(broker)).containsExactly("o1@101", "o2@999", "o4@104");
            try (Admin admin = broker.admin()) {
                assertThat(admin.listTopics()).doesNotContain(CHANGELOG);
            }
        }
    }

    @Test
    void shouldKeepAChangelogForATableOverATopicWhoseRecordsExpire() throws Exception {
        try (Broker broker = Broker.start(dir)) {
            createTopics(broker, "delete");
            price(broker, "p1", 5L);
            runOnce(broker, JobConfig.defaults());
            Map<String, Long> metrics = runOnce(broker, JobConfig.defaults());
            try (Admin admin = broker.admin()) {
                assertThat(admin.listTopics()).contains(CHANGELOG);
            }
            assertThat(metrics).containsEntry("restored-records{store=products}", 1L);
        }
    }

    @Test
    void shouldRefuseToStartWhenTheTablesTopicIsNoLongerCompacted() throws Exception {
        try (Broker broker = Broker.start(dir)) {
            createTopics(broker, "compact");
            price(broker, "p1", 5L);
            runOnce(broker, JobConfig.defaults());
            try (Admin admin = broker.admin()) {
                admin.setTopicConfig("products", Map.of("cleanup.policy", "delete"));
            }
            assertThatThrownBy(() -> Job.start(topology(), broker)).isInstanceOf(TopologyException.class)
                    .hasMessageContaining("A table's source topic is no longer compacted: store=products, "
                            + "topic=products, cleanup.policy=delete");
            try (Admin admin = broker.admin()) {
                admin.setTopicConfig("products", Map.of("cleanup.policy", "compact"));
            }
            assertThat(runOnce(broker, JobConfig.defaults())).containsEntry("restored-records{store=products}", 1L);
        }
    }

    @Test
    void shouldSkipOnRestoreTheRecordsTheTableSkipped() throws Exception {
        try (Broker broker = Broker.start(dir)) {
            createTopics(broker, "compact");
            price(broker, "p1", 5L);
            send(broker, "products", "p2", new byte[] {1, 2, 3}); // not a long
            price(broker, "p3", 7L);
            JobConfig config = JobConfig.defaults().with(JobConfig.DESERIALIZATION_ERROR_POLICY, "log-and-continue");
            runOnce(broker, config);
            Map<String, Long> metrics;
            try (Job job = Job.start(topology(), broker, config)) {
                assertThat(job.awaitRunning(Duration.ofSeconds(30))).isTrue();
            assertThat(job.awaitCaughtUp(Duration.ofSeconds(30))).isTrue();
                ReadOnlyKeyValueStore<String, Long> table = job.store("products");
                Map<String, Long> content = new TreeMap<>();
                for (String key : List.of("p1", "p2", "p3")) {
                    Long value = table.get(key);
                    if (value != null) {
                        content.put(key, value);
                    }
                }
                assertThat(content).isEqualTo(Map.of("p1", 5L, "p3", 7L));
                metrics = job.metrics();
            }
            assertThat(metrics).containsEntry("restore-skipped-records{store=products}", 1L)
                    .containsEntry("restored-records{store=products}", 3L);
        }
    }

    /** The test driver does as a job does: over a topic declared compacted, the table has no changelog. */
    @Test
    void shouldGiveATableOverACompactedTopicNoChangelogInTheTestDriver() {
        try (TestDriver driver = TestDriver.builder(topology()).compacted("products").build()) {
            driver.input("products").sendBytes("p1".getBytes(), Serdes.longs().serialize(5L), 0, List.of());
            driver.input("orders").send("p1", "o1");
            assertThat(driver.output("priced").values()).containsExactly("o1@5");
            assertThatThrownBy(() -> driver.records(CHANGELOG)).isInstanceOf(UnknownTopicException.class);
        }
        try (TestDriver driver = TestDriver.of(topology())) {
            driver.input("products").sendBytes("p1".getBytes(), Serdes.longs().serialize(5L), 0, List.of());
            assertThat(driver.records(CHANGELOG)).hasSize(1);
        }
    }
}
