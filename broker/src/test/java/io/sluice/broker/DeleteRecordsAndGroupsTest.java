package io.sluice.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** DeleteRecords and DeleteGroups, through Kafka's AdminClient and through sluice's own Admin. */
@Timeout(60)
class DeleteRecordsAndGroupsTest {
    @TempDir
    Path dir;
    private Broker broker;
    private String bootstrap;

    @BeforeEach
    void start() {
        startBroker();
        try (Admin admin = broker.admin()) {
            admin.createTopic(NewTopic.of("events", 2).withConfig("segment.bytes", "1024")
                    .withConfig("file.delete.delay.ms", "0"));
            admin.createTopic(NewTopic.of("profiles", 1).withConfig("cleanup.policy", "compact"));
        }
        try (Producer producer = broker.producer()) {
            for (int i = 0; i < 100; i++) { // one by one: small batches, so 1 KiB segments roll
                producer.send(ProducerRecord.of("events", "k", "value-" + i).withPartition(0)).join();
            }
            producer.send(ProducerRecord.of("profiles", "alice", "v1"));
            producer.flush();
        }
    }

    private void startBroker() {
        broker = Broker.start(BrokerConfig.builder(dir).set(BrokerConfig.LISTENERS, "PLAINTEXT://127.0.0.1:0")
                .build());
        bootstrap = broker.bootstrapServers().orElseThrow();
    }

    @AfterEach
    void stop() {
        broker.close();
    }

    private AdminClient kafkaAdmin() {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("default.api.timeout.ms", 10_000);
        p.put("request.timeout.ms", 5_000);
        return AdminClient.create(p);
    }

    private static final org.apache.kafka.common.TopicPartition EVENTS_0 =
            new org.apache.kafka.common.TopicPartition("events", 0);

    @Test
    void shouldDeleteRecordsBelowAnOffsetForKafkasAdminClientAndKeepThatAcrossARestart() throws Exception {
        int segmentsBefore = segmentFiles();
        try (AdminClient admin = kafkaAdmin()) {
            long low = admin.deleteRecords(Map.of(EVENTS_0, RecordsToDelete.beforeOffset(40))).lowWatermarks()
                    .get(EVENTS_0).get(10, TimeUnit.SECONDS).lowWatermark();
            assertThat(low).isEqualTo(40);
            assertThat(admin.listOffsets(Map.of(EVENTS_0, OffsetSpec.earliest())).all().get(10, TimeUnit.SECONDS)
                    .get(EVENTS_0).offset()).isEqualTo(40);
            // Less than the log start changes nothing.
            assertThat(admin.deleteRecords(Map.of(EVENTS_0, RecordsToDelete.beforeOffset(10))).lowWatermarks()
                    .get(EVENTS_0).get(10, TimeUnit.SECONDS).lowWatermark()).isEqualTo(40);
        }
        assertThat(segmentFiles()).as("segments wholly below offset 40 are gone").isLessThan(segmentsBefore);
        assertThat(readFromBeginning()).first().isEqualTo("value-40");
        assertThat(readFromBeginning()).hasSize(60);

        broker.close();
        startBroker();
        try (Admin admin = broker.admin()) {
            assertThat(admin.describeTopic("events").partitions().get(0).startOffset()).isEqualTo(40);
        }
        assertThat(readFromBeginning()).first().isEqualTo("value-40");
    }

    @Test
    void shouldDeleteEverythingReadableWithTheHighWatermarkOffsetThroughTheEmbeddedAdmin() {
        try (Admin admin = broker.admin()) {
            Map<TopicPartition, Long> starts = admin.deleteRecords(Map.of(new TopicPartition("events", 0), -1L,
                    new TopicPartition("events", 1), -1L));
            assertThat(starts).containsEntry(new TopicPartition("events", 0), 100L)
                    .containsEntry(new TopicPartition("events", 1), 0L);
        }
        assertThat(readFromBeginning()).isEmpty();
        try (Producer producer = broker.producer()) {
            assertThat(producer.send(ProducerRecord.of("events", "k", "after").withPartition(0)).join().offset())
                    .isEqualTo(100);
        }
        assertThat(readFromBeginning()).containsExactly("after");
    }

    @Test
    void shouldRefuseOffsetsPastTheEndCompactedTopicsAndUnknownPartitionsDeletingNothing() throws Exception {
        try (AdminClient admin = kafkaAdmin()) {
            var tooFar = admin.deleteRecords(Map.of(EVENTS_0, RecordsToDelete.beforeOffset(101))).lowWatermarks()
                    .get(EVENTS_0);
            assertThatThrownBy(() -> tooFar.get(10, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(org.apache.kafka.common.errors.OffsetOutOfRangeException.class);
            var profiles = new org.apache.kafka.common.TopicPartition("profiles", 0);
            var compacted = admin.deleteRecords(Map.of(profiles, RecordsToDelete.beforeOffset(1))).lowWatermarks()
                    .get(profiles);
            assertThatThrownBy(() -> compacted.get(10, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(org.apache.kafka.common.errors.PolicyViolationException.class);
        }
        try (Admin admin = broker.admin()) {
            assertThatThrownBy(() -> admin.deleteRecords(Map.of(new TopicPartition("events", 0), 50L,
                    new TopicPartition("events", 7), 1L))).isInstanceOf(InvalidPartitionException.class);
            assertThatThrownBy(() -> admin.deleteRecords(Map.of(new TopicPartition("nope", 0), 1L)))
                    .isInstanceOf(UnknownTopicException.class);
            assertThat(admin.describeTopic("events").partitions().get(0).startOffset()).isZero();
            assertThat(admin.describeTopic("profiles").partitions().get(0).startOffset()).isZero();
        }
    }

    @Test
    void shouldDeleteAGroupOnlyWhenItHasNoMembers() throws Exception {
        try (KafkaConsumer<String, String> member = consumer("readers")) {
            member.subscribe(List.of("events"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (member.assignment().isEmpty() && System.nanoTime() < deadline) {
                member.poll(Duration.ofMillis(100));
            }
            member.commitSync();
            try (AdminClient admin = kafkaAdmin()) {
                assertThatThrownBy(() -> admin.deleteConsumerGroups(List.of("readers")).all()
                        .get(10, TimeUnit.SECONDS))
                        .hasCauseInstanceOf(org.apache.kafka.common.errors.GroupNotEmptyException.class);
            }
        }
        try (AdminClient admin = kafkaAdmin()) {
            assertThat(admin.listConsumerGroupOffsets("readers").partitionsToOffsetAndMetadata()
                    .get(10, TimeUnit.SECONDS)).isNotEmpty();
            admin.deleteConsumerGroups(List.of("readers")).all().get(10, TimeUnit.SECONDS);
            assertThat(admin.listGroups().all().get(10, TimeUnit.SECONDS)).extracting(g -> g.groupId())
                    .doesNotContain("readers");
            assertThatThrownBy(() -> admin.deleteConsumerGroups(List.of("readers")).all().get(10, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(org.apache.kafka.common.errors.GroupIdNotFoundException.class);
        }
        // The deletion is in the offsets topic: a restart does not bring the commits back.
        broker.close();
        startBroker();
        try (Admin admin = broker.admin()) {
            assertThat(admin.listGroupOffsets("readers")).isEmpty();
            assertThat(admin.listGroups()).doesNotContain("readers");
        }
    }

    @Test
    void shouldDeleteAGroupOfEmbeddedConsumersThroughTheEmbeddedAdmin() {
        try (Consumer consumer = broker.consumer(ConsumerConfig.builder().groupId("embedded").build())) {
            consumer.subscribe(List.of("events"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (consumer.assignment().isEmpty() && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(100));
            }
            consumer.commitSync();
            try (Admin admin = broker.admin()) {
                assertThatThrownBy(() -> admin.deleteGroup("embedded")).isInstanceOf(GroupNotEmptyException.class);
            }
        }
        try (Admin admin = broker.admin()) {
            admin.deleteGroup("embedded");
            assertThat(admin.listGroups()).doesNotContain("embedded");
            assertThatThrownBy(() -> admin.deleteGroup("embedded")).isInstanceOf(UnknownGroupException.class);
        }
    }

    private KafkaConsumer<String, String> consumer(String group) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        if (group != null) {
            p.put("group.id", group);
        }
        p.put("auto.offset.reset", "earliest");
        p.put("enable.auto.commit", "false");
        return new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer());
    }

    /** Partition 0 of events from its log start, through Kafka's consumer. */
    private List<String> readFromBeginning() {
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = consumer(null)) {
            consumer.assign(List.of(EVENTS_0));
            consumer.seekToBeginning(List.of(EVENTS_0));
            long end = consumer.endOffsets(List.of(EVENTS_0)).get(EVENTS_0);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (consumer.position(EVENTS_0) < end && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
            }
        }
        return values;
    }

    private int segmentFiles() throws java.io.IOException {
        try (var files = java.nio.file.Files.walk(dir)) {
            return (int) files.filter(f -> f.getParent().getFileName().toString().equals("events-0")
                    && f.getFileName().toString().endsWith(".log")).count();
        }
    }
}
