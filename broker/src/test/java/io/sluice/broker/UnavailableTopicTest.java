package io.sluice.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A recorded topic the broker cannot open — more partitions than its limits, or a partition whose files are not
 * what a log needs — does not keep the broker from starting, fails clearly when used, and can be deleted.
 */
@Timeout(60)
class UnavailableTopicTest {
    @TempDir
    Path dir;

    /** Rewrites topics.json as a broker that recorded a change before opening its partitions left it. */
    static void recordPartitionCount(Path dataDir, String topic, int partitions) throws IOException {
        ObjectMapper json = new ObjectMapper();
        Path file = dataDir.resolve("topics.json");
        ObjectNode contents = (ObjectNode) json.readTree(file.toFile());
        contents.withArray("topics").forEach(t -> {
            if (t.get("name").asText().equals(topic)) {
                ((ObjectNode) t).put("partitions", partitions);
            }
        });
        json.writeValue(file.toFile(), contents);
    }

    private List<String> directoriesOf(String topic) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).filter(name -> name.matches(topic + "-\\d+"))
                    .toList();
        }
    }

    @Test
    void shouldStartOnATopicsJsonNamingATopicOf100000PartitionsFailItsUsesClearlyAndDeleteIt() throws Exception {
        try (Broker broker = Broker.start(dir); Admin admin = broker.admin(); Producer producer = broker.producer()) {
            admin.createTopic(NewTopic.of("t8", 3));
            admin.createTopic(NewTopic.of("kept", 1));
            producer.send(ProducerRecord.of("t8", "k", "v")).join();
            producer.send(ProducerRecord.of("kept", "k", "v")).join();
        }
        recordPartitionCount(dir, "t8", 100_000);

        try (Broker broker = Broker.start(dir); Admin admin = broker.admin(); Producer producer = broker.producer();
             Consumer consumer = broker.consumer()) {
            assertThat(admin.listTopics()).containsExactly("kept", "t8");
            assertThat(admin.describeTopic("kept").partitions().get(0).endOffset()).isEqualTo(1);
            assertThatThrownBy(() -> admin.describeTopic("t8")).isInstanceOf(InvalidPartitionException.class)
                    .hasMessageContaining("topic=t8").hasMessageContaining("partitions=100000")
                    .hasMessageContaining(BrokerConfig.MAX_TOPIC_PARTITIONS).hasMessageContaining("delete it");
            assertThatThrownBy(() -> producer.send(ProducerRecord.of("t8", "k", "v")).join())
                    .hasMessageContaining("topic=t8").hasMessageContaining("partitions=100000");
            assertThatThrownBy(() -> consumer.assign(List.of(new TopicPartition("t8", 0))))
                    .isInstanceOf(InvalidPartitionException.class).hasMessageContaining("topic=t8");
            assertThatThrownBy(() -> admin.createTopic(NewTopic.of("t8", 1))).isInstanceOf(TopicExistsException.class);

            admin.deleteTopic("t8");
            assertThat(admin.listTopics()).containsExactly("kept");
            assertThat(Files.readString(dir.resolve("topics.json"))).doesNotContain("t8");
            assertThat(directoriesOf("t8")).isEmpty();
        }
        try (Broker broker = Broker.start(dir); Admin admin = broker.admin()) {
            assertThat(admin.listTopics()).containsExactly("kept");
            admin.createTopic(NewTopic.of("t8", 2));
            assertThat(admin.describeTopic("t8").partitions()).allSatisfy(p -> assertThat(p.endOffset()).isZero());
        }
    }

    @Test
    void shouldOpenATopicOf100000RecordedPartitionsLazilyOnceTheLimitsAllowItWithItsRecordsKept() throws Exception {
        try (Broker broker = Broker.start(dir); Admin admin = broker.admin(); Producer producer = broker.producer()) {
            admin.createTopic(NewTopic.of("t8", 3));
            producer.send(ProducerRecord.of("t8", "k", "kept").withPartition(0)).join();
        }
        recordPartitionCount(dir, "t8", 100_000);
        try (Broker broker = Broker.start(dir); Admin admin = broker.admin()) {
            assertThatThrownBy(() -> admin.describeTopic("t8")).isInstanceOf(InvalidPartitionException.class);
        }
        BrokerConfig raised = BrokerConfig.builder(dir).set(BrokerConfig.MAX_TOPIC_PARTITIONS, 100_000)
                .set(BrokerConfig.MAX_BROKER_PARTITIONS, 100_001).build();
        long descriptors = PartitionLimitsTest.openDescriptors();
        try (Broker broker = Broker.start(raised); Admin admin = broker.admin();
             Consumer consumer = broker.consumer()) {
            assertThat(PartitionLimitsTest.openDescriptors()).isLessThan(descriptors + 50);
            assertThat(admin.describeTopic("t8").partitions()).hasSize(100_000);
            TopicPartition first = new TopicPartition("t8", 0);
            consumer.assign(List.of(first));
            assertThat(BrokerTest.readAll(consumer, first)).extracting(ConsumerRecord::valueAsString)
                    .containsExactly("kept");
            admin.deleteTopic("t8");
            assertThat(admin.listTopics()).isEmpty();
        }
        assertThat(directoriesOf("t8")).isEmpty();
    }

    @Test
    void shouldDeleteOverTheKafkaProtocolATopicWhosePartitionCannotBeOpened() throws Exception {
        try (Broker broker = Broker.start(dir); Admin admin = broker.admin(); Producer producer = broker.producer()) {
            admin.createTopic(NewTopic.of("broken", 2));
            producer.send(ProducerRecord.of("broken", "k", "v").withPartition(0)).join();
        }
        Path segment;
        try (Stream<Path> files = Files.list(dir.resolve("broken-0"))) {
            segment = files.filter(f -> f.toString().endsWith(".log")).findFirst().orElseThrow();
        }
        Files.delete(segment);
        Files.createDirectory(segment); // a segment file that is a directory: the log cannot be read

        BrokerConfig config = BrokerConfig.builder(dir).set(BrokerConfig.LISTENERS, "PLAINTEXT://127.0.0.1:0").build();
        try (Broker broker = Broker.start(config); Admin admin = broker.admin()) {
            assertThatThrownBy(() -> admin.describeTopic("broken")).isInstanceOf(StorageException.class)
                    .hasMessageContaining("topic=broken").hasMessageContaining("broken-0");
            Properties p = new Properties();
            p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers().orElseThrow());
            try (AdminClient kafka = AdminClient.create(p)) {
                assertThatThrownBy(() -> kafka.describeTopics(List.of("broken")).allTopicNames()
                        .get(30, TimeUnit.SECONDS))
                        .hasCauseInstanceOf(org.apache.kafka.common.errors.InvalidTopicException.class);
                kafka.deleteTopics(List.of("broken")).all().get(30, TimeUnit.SECONDS);
            }
            assertThat(admin.listTopics()).isEmpty();
            assertThat(directoriesOf("broken")).isEmpty();
        }
        try (Broker broker = Broker.start(dir); Admin admin = broker.admin()) {
            assertThat(admin.listTopics()).isEmpty();
        }
    }
}
