package io.sluice.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.PolicyViolationException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Requests for more partitions than a request, a topic or the broker may have: refused at once, before anything is
 * written or opened, over the Kafka protocol (Kafka's AdminClient) and through the embedded Admin.
 */
@Timeout(120)
class PartitionLimitsTest {
    /** Kafka answers in about 2 s; the broker that opened partitions one by one took 49 s and never finished. */
    private static final long REFUSED_WITHIN_SECONDS = 20;

    @TempDir
    Path dir;
    private Broker broker;

    @BeforeEach
    void start() {
        broker = startBroker(dir, Map.of());
        try (Admin admin = broker.admin()) {
            admin.createTopic(NewTopic.of("t", 3));
        }
    }

    @AfterEach
    void stop() {
        broker.close();
    }

    private static Broker startBroker(Path dataDir, Map<String, Object> settings) {
        return Broker.start(BrokerConfig.builder(dataDir).set(BrokerConfig.LISTENERS, "PLAINTEXT://127.0.0.1:0")
                .setAll(settings).build());
    }

    private static AdminClient kafkaAdmin(Broker broker) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers().orElseThrow());
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 60_000);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 60_000);
        return AdminClient.create(p);
    }

    static long openDescriptors() throws Exception {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    private List<String> partitionDirectories() throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(Files::isDirectory).map(p -> p.getFileName().toString())
                    .filter(name -> !name.startsWith("__")).sorted().toList();
        }
    }

    @Test
    void shouldRefuseGrowingATopicTo100000PartitionsAtOnceAsKafkaDoesAndChangeNothing() throws Exception {
        byte[] metadata = Files.readAllBytes(dir.resolve("topics.json"));
        List<String> directories = partitionDirectories();
        try (AdminClient admin = kafkaAdmin(broker)) {
            admin.describeCluster().clusterId().get(30, TimeUnit.SECONDS); // connected before descriptors are counted
            long descriptors = openDescriptors();

            assertThatThrownBy(() -> admin.createPartitions(Map.of("t", NewPartitions.increaseTo(100_000))).all()
                    .get(REFUSED_WITHIN_SECONDS, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(PolicyViolationException.class)
                    .hasMessageContaining("Excessively large number of partitions per request")
                    .hasMessageContaining("topic=t").hasMessageContaining("100000").hasMessageContaining("10000");

            // A few descriptors may come and go meanwhile (a checkpoint being written): not one per partition.
            assertThat(openDescriptors()).isBetween(descriptors - 10, descriptors + 10);
        }
        assertThat(Files.readAllBytes(dir.resolve("topics.json"))).isEqualTo(metadata);
        assertThat(partitionDirectories()).isEqualTo(directories);
        try (Admin admin = broker.admin()) {
            assertThat(admin.describeTopic("t").partitions()).hasSize(3);
        }
    }

    @Test
    void shouldRefuseCreatingATopicOf100000PartitionsAndCreateNothing() throws Exception {
        byte[] metadata = Files.readAllBytes(dir.resolve("topics.json"));
        try (AdminClient admin = kafkaAdmin(broker)) {
            assertThatThrownBy(() -> admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic("big",
                    100_000, (short) 1))).all().get(REFUSED_WITHIN_SECONDS, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(PolicyViolationException.class)
                    .hasMessageContaining("topic=big").hasMessageContaining("partitions=100000")
                    .hasMessageContaining("limit=10000");
            assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).containsExactly("t");
        }
        assertThat(Files.readAllBytes(dir.resolve("topics.json"))).isEqualTo(metadata);
        assertThat(partitionDirectories()).allMatch(name -> name.startsWith("t-"));
    }

    @Test
    void shouldRefuseElevenTopicsOfAThousandPartitionsInOneRequestAndCreateNoneOfThem() throws Exception {
        byte[] metadata = Files.readAllBytes(dir.resolve("topics.json"));
        List<org.apache.kafka.clients.admin.NewTopic> topics = new ArrayList<>();
        for (int i = 0; i < 11; i++) {
            topics.add(new org.apache.kafka.clients.admin.NewTopic("many-" + i, 1_000, (short) 1));
        }
        try (AdminClient admin = kafkaAdmin(broker)) {
            var result = admin.createTopics(topics);
            for (var topic : topics) {
                assertThatThrownBy(() -> result.values().get(topic.name()).get(REFUSED_WITHIN_SECONDS,
                        TimeUnit.SECONDS))
                        .hasCauseInstanceOf(PolicyViolationException.class)
                        .hasMessageContaining("topic=" + topic.name())
                        .hasMessageContaining("requestNewPartitions=11000");
            }
            assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).containsExactly("t");
        }
        assertThat(Files.readAllBytes(dir.resolve("topics.json"))).isEqualTo(metadata);
        assertThat(partitionDirectories()).allMatch(name -> name.startsWith("t-"));
        try (Admin admin = broker.admin()) {
            List<NewTopic> embedded = topics.stream().map(t -> NewTopic.of(t.name(), t.numPartitions())).toList();
            assertThatThrownBy(() -> admin.createTopics(embedded)).isInstanceOf(InvalidPartitionException.class)
                    .hasMessageContaining("requestNewPartitions=11000");
            assertThat(admin.listTopics()).containsExactly("t");
        }
    }

    @Test
    void shouldRefuseTopicsAndGrowthPastTheTopicAndBrokerLimitsNamingThem() throws Exception {
        broker.close();
        Path other = dir.resolve("limited");
        broker = startBroker(other, Map.of(BrokerConfig.MAX_TOPIC_PARTITIONS, 50,
                BrokerConfig.MAX_BROKER_PARTITIONS, 80));
        try (Admin admin = broker.admin(); AdminClient kafka = kafkaAdmin(broker)) {
            assertThatThrownBy(() -> admin.createTopic(NewTopic.of("a", 51)))
                    .isInstanceOf(InvalidPartitionException.class)
                    .hasMessageContaining("topic=a").hasMessageContaining("partitions=51")
                    .hasMessageContaining("limit=50").hasMessageContaining(BrokerConfig.MAX_TOPIC_PARTITIONS);
            admin.createTopic(NewTopic.of("a", 50));
            assertThatThrownBy(() -> admin.createPartitions("a", 51))
                    .isInstanceOf(InvalidPartitionException.class)
                    .hasMessageContaining(BrokerConfig.MAX_TOPIC_PARTITIONS);
            // 50, and 1 for the offsets topic: 30 more is one too many.
            assertThatThrownBy(() -> admin.createTopic(NewTopic.of("b", 30)))
                    .isInstanceOf(InvalidPartitionException.class)
                    .hasMessageContaining("topic=b").hasMessageContaining("newPartitions=30")
                    .hasMessageContaining("limit=80").hasMessageContaining(BrokerConfig.MAX_BROKER_PARTITIONS);

            assertThatThrownBy(() -> kafka.createPartitions(Map.of("a", NewPartitions.increaseTo(60))).all()
                    .get(REFUSED_WITHIN_SECONDS, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(InvalidPartitionsException.class)
                    .hasMessageContaining(BrokerConfig.MAX_TOPIC_PARTITIONS);
            assertThatThrownBy(() -> kafka.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic("b", 30,
                    (short) 1))).all().get(REFUSED_WITHIN_SECONDS, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(PolicyViolationException.class)
                    .hasMessageContaining(BrokerConfig.MAX_BROKER_PARTITIONS);

            admin.createTopic(NewTopic.of("b", 29));
            assertThat(admin.listTopics()).containsExactly("a", "b");
            assertThat(admin.describeTopic("a").partitions()).hasSize(50);
        }
    }
}
