package io.sluice.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BrokerTest {
    @TempDir
    Path dir;

    /**
     * The consumer reuses its fetch buffer: records read long before, when it has fetched many times more, still
     * hold their own keys and values (null ones included).
     */
    @Test
    void shouldKeepEveryRecordIntactAcrossLaterFetches() {
        int count = 20_000;
        String padding = "x".repeat(100);
        try (Broker broker = Broker.start(dir); Admin admin = broker.admin(); Producer producer = broker.producer();
             Consumer consumer = broker.consumer()) {
            admin.createTopic(NewTopic.of("big", 1));
            for (int i = 0; i < count; i++) {
                producer.send(ProducerRecord.of("big", i % 7 == 0 ? null : "key-" + i,
                        i % 11 == 0 ? null : "value-" + i + padding));
            }
            producer.flush();
            consumer.assign(producer.partitionsFor("big"));
            consumer.seekToBeginning(consumer.assignment());
            List<ConsumerRecord> read = pollAtLeast(consumer, count);
            assertThat(read).hasSize(count);
            for (ConsumerRecord r : read) {
                int i = (int) r.offset();
                assertThat(r.keyAsString()).isEqualTo(i % 7 == 0 ? null : "key-" + i);
                assertThat(r.valueAsString()).isEqualTo(i % 11 == 0 ? null : "value-" + i + padding);
            }
        }
    }

    @Test
    void shouldProduceAndConsumeWithKeysHeadersAndTimestamps() {
        try (Broker broker = Broker.start(dir); Admin admin = broker.admin(); Producer producer = broker.producer();
             Consumer consumer = broker.consumer()) {
            admin.createTopic(NewTopic.of("orders", 3));
            List<RecordMetadata> stored = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                stored.add(producer.send(ProducerRecord.of("orders", "key-" + (i % 5), "value-" + i)
                        .withTimestamp(1_000 + i).withHeader("h", new byte[] {(byte) i})).join());
            }
            assertThat(stored).extracting(m -> m.topicPartition().topic()).containsOnly("orders");
            consumer.assign(producer.partitionsFor("orders"));
            consumer.seekToBeginning(consumer.assignment());
            List<ConsumerRecord> read = pollAtLeast(consumer, 30);
            assertThat(read).hasSize(30);
            for (ConsumerRecord r : read) {
                int i = Integer.parseInt(r.valueAsString().substring("value-".length()));
                assertThat(r.keyAsString()).isEqualTo("key-" + (i % 5));
                assertThat(r.timestamp()).isEqualTo(1_000 + i);
                assertThat(r.timestampType()).isEqualTo(TimestampType.CREATE_TIME);
                assertThat(r.headers()).containsExactly(new Header("h", new byte[] {(byte) i}));
                RecordMetadata m = stored.get(i);
                assertThat(r.partition()).isEqualTo(m.topicPartition().partition());
                assertThat(r.offset()).isEqualTo(m.offset());
            }
        }
    }

    @Test
    void shouldStampLogAppendTimeWhenTheTopicAsksForIt() {
        try (Broker broker = Broker.start(dir); Admin admin = broker.admin(); Producer producer = broker.producer();
             Consumer consumer = broker.consumer()) {
            admin.createTopic(NewTopic.of("audit", 1).withConfig("message.timestamp.type", "LogAppendTime"));
            long before = System.currentTimeMillis();
            RecordMetadata m = producer.send(ProducerRecord.of("audit", "k", "v").withTimestamp(5)).join();
            assertThat(m.timestamp()).isGreaterThanOrEqualTo(before);
            consumer.assign(List.of(new TopicPartition("audit", 0)));
            consumer.seekToBeginning(consumer.assignment());
            ConsumerRecord r = pollAtLeast(consumer, 1).get(0);
            assertThat(r.timestampType()).isEqualTo(TimestampType.LOG_APPEND_TIME);
            assertThat(r.timestamp()).isEqualTo(m.timestamp());
        }
    }

    @Test
    void shouldKeepEveryTopicAndRecordAcrossARestart() {
        try (Broker broker = Broker.start(dir); Admin admin = broker.admin(); Producer producer = broker.producer()) {
            admin.createTopic(NewTopic.of("a", 2).withConfig("retention.ms", "123456789"));
            admin.createTopic(NewTopic.of("b", 1));
            for (int i = 0; i < 100; i++) {
                producer.send(ProducerRecord.of(i % 2 == 0 ? "a" : "b", "k" + i, "v" + i));
            }
            producer.flush();
        }
        try (Broker broker = Broker.start(dir); Admin admin = broker.admin(); Consumer consumer = broker.consumer()) {
            assertThat(admin.listTopics()).containsExactly("a", "b");
            TopicDescription a = admin.describeTopic("a");
            assertThat(a.partitions()).hasSize(2);
            assertThat(a.overrides()).containsEntry("retention.ms", "123456789");
            assertThat(a.configs()).containsEntry("retention.ms", "123456789").containsEntry("cleanup.policy",
                    "delete");
            assertThat(a.partitions().stream().mapToLong(PartitionDescription::endOffset).sum()).isEqualTo(50);
            consumer.assign(List.of(new TopicPartition("a", 0), new TopicPartition("a", 1),
                    new TopicPartition("b", 0)));
            consumer.seekToBeginning(consumer.assignment());
            assertThat(pollAtLeast(consumer, 100)).hasSize(100);
        }
    }

    @Test
    void shouldFailSendsWithTypedErrors() {
        try (Broker broker = Broker.start(dir); Admin admin = broker.admin(); Producer producer = broker.producer()) {
            admin.createTopic(NewTopic.of("small", 2).withConfig("max.message.bytes", "200"));
            admin.createTopic(NewTopic.of("table", 1).withConfig("cleanup.policy", "compact"));
            assertFailsWith(producer.send(ProducerRecord.of("nope", "k", "v")), UnknownTopicException.class,
                    "topic=nope");
            assertFailsWith(producer.send(ProducerRecord.of("small", "k", "v").withPartition(2)),
                    InvalidPartitionException.class, "partition=2");
            assertFailsWith(producer.send(ProducerRecord.of("small", "k", "v".repeat(300))),
                    RecordTooLargeException.class, "max.message.bytes=200");
            assertFailsWith(producer.send(ProducerRecord.of("table", (byte[]) null, new byte[1])),
                    InvalidRecordException.class, "without a key");
            assertFailsWith(producer.send(ProducerRecord.of("__consumer_offsets", "k", "v")),
                    InvalidTopicException.class, "internal");
            assertThat(admin.describeTopic("small").partitions()).allMatch(p -> p.endOffset() == 0);
        }
    }

    @Test
    void shouldRejectBadTopicsAndConfigsClearly() {
        try (Broker broker = Broker.start(dir); Admin admin = broker.admin()) {
            assertThatThrownBy(() -> admin.createTopic(NewTopic.of("bad name", 1)))
                    .isInstanceOf(InvalidTopicException.class).hasMessageContaining("illegal character ' '");
            assertThatThrownBy(() -> admin.createTopic(NewTopic.of("x".repeat(250), 1)))
                    .isInstanceOf(InvalidTopicException.class).hasMessageContaining("longer than 249");
            assertThatThrownBy(() -> admin.createTopic(NewTopic.of("t", 0)))
                    .isInstanceOf(InvalidPartitionException.class);
            assertThatThrownBy(() -> admin.createTopic(NewTopic.of("t", 1).withConfig("retension.ms", "1")))
                    .isInstanceOf(InvalidConfigException.class).hasMessageContaining("did you mean retention.ms");
            assertThatThrownBy(() -> admin.createTopic(NewTopic.of("t", 1).withConfig("retention.ms", "soon")))
                    .isInstanceOf(InvalidConfigException.class).hasMessageContaining("key=retention.ms");
            admin.createTopic(NewTopic.of("t.x", 1));
            assertThatThrownBy(() -> admin.createTopic(NewTopic.of("t.x", 1)))
                    .isInstanceOf(TopicExistsException.class);
            assertThatThrownBy(() -> admin.createTopic(NewTopic.of("t_x", 1)))
                    .isInstanceOf(InvalidTopicException.class).hasMessageContaining("collides");
            assertThatThrownBy(() -> admin.describeTopic("missing")).isInstanceOf(UnknownTopicException.class);
            assertThat(admin.listTopics()).containsExactly("t.x");
        }
        assertThatThrownBy(() -> BrokerConfig.builder(dir).set("num.partition", 3).build())
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("did you mean num.partitions");
    }

    @Test
    void shouldFailUseAfterClose() {
        Broker broker = Broker.start(dir);
        Producer producer = broker.producer();
        Consumer consumer = broker.consumer();
        producer.close();
        assertThatThrownBy(() -> producer.send(ProducerRecord.of("t", "k", "v")))
                .isInstanceOf(ClosedException.class).hasMessageContaining("producer");
        consumer.close();
        assertThatThrownBy(() -> consumer.poll(Duration.ZERO)).isInstanceOf(ClosedException.class);
        broker.close();
        assertThatThrownBy(broker::admin).isInstanceOf(ClosedException.class);
        broker.close(); // idempotent
    }

    @Test
    void shouldRefuseASecondBrokerOnTheSameDirectory() {
        try (Broker broker = Broker.start(dir)) {
            assertThatThrownBy(() -> Broker.start(dir)).isInstanceOf(StorageException.class)
                    .hasMessageContaining("in use");
        }
    }

    @Test
    void shouldDeleteAndRecreateATopic() {
        try (Broker broker = Broker.start(BrokerConfig.builder(dir).set("log.segment.delete.delay.ms", 0).build());
             Admin admin = broker.admin(); Producer producer = broker.producer()) {
            admin.createTopic(NewTopic.of("t", 1));
            producer.send(ProducerRecord.of("t", "k", "old")).join();
            admin.deleteTopic("t");
            assertThat(admin.listTopics()).isEmpty();
            assertFailsWith(producer.send(ProducerRecord.of("t", "k", "v")), UnknownTopicException.class, "t");
            admin.createTopic(NewTopic.of("t", 1));
            assertThat(admin.describeTopic("t").partitions().get(0).endOffset()).isZero();
            producer.send(ProducerRecord.of("t", "k", "new")).join();
        }
        try (Broker broker = Broker.start(dir); Consumer consumer = broker.consumer()) {
            consumer.assign(List.of(new TopicPartition("t", 0)));
            consumer.seekToBeginning(consumer.assignment());
            assertThat(pollAtLeast(consumer, 1)).extracting(ConsumerRecord::valueAsString).containsExactly("new");
        }
    }

    @Test
    void shouldAlterConfigsAndAddPartitions() {
        try (Broker broker = Broker.start(dir); Admin admin = broker.admin()) {
            admin.createTopic(NewTopic.of("t", 2));
            admin.setTopicConfig("t", Map.of("retention.ms", "1000", "segment.bytes", "4096"));
            assertThat(admin.describeTopic("t").overrides()).containsEntry("retention.ms", "1000");
            admin.resetTopicConfig("t", java.util.Set.of("retention.ms"));
            assertThat(admin.describeTopic("t").overrides()).doesNotContainKey("retention.ms")
                    .containsEntry("segment.bytes", "4096");
            admin.createPartitions("t", 5);
            assertThat(admin.describeTopic("t").partitions()).hasSize(5);
            assertThatThrownBy(() -> admin.createPartitions("t", 3)).isInstanceOf(InvalidPartitionException.class);
        }
        try (Broker broker = Broker.start(dir); Admin admin = broker.admin()) {
            assertThat(admin.describeTopic("t").partitions()).hasSize(5);
            assertThat(admin.describeTopic("t").overrides()).isEqualTo(Map.of("segment.bytes", "4096"));
        }
    }

    /** Every record of the partition, from its start to its end offset as of the call. */
    static List<ConsumerRecord> readAll(Consumer consumer, TopicPartition partition) {
        consumer.seekToBeginning(List.of(partition));
        long end = consumer.endOffsets(List.of(partition)).get(partition);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        List<ConsumerRecord> all = new ArrayList<>();
        while (consumer.position(partition) < end && System.nanoTime() < deadline) {
            all.addAll(consumer.poll(Duration.ofMillis(200)));
        }
        return all;
    }

    @Test
    void shouldCompactATopicInTheBackgroundKeepingTheLatestValuePerKey() throws Exception {
        BrokerConfig config = BrokerConfig.builder(dir).set("log.cleaner.backoff.ms", 50)
                .set("log.segment.delete.delay.ms", 0).build();
        try (Broker broker = Broker.start(config); Admin admin = broker.admin(); Producer producer = broker.producer();
             Consumer consumer = broker.consumer(ConsumerConfig.builder()
                     .autoOffsetReset(ConsumerConfig.OffsetReset.EARLIEST).build())) {
            // Written while the topic still deletes, so that the size measured before compaction is the whole log.
            admin.createTopic(NewTopic.of("table", 1).withConfig("segment.bytes", "1024")
                    .withConfig("min.cleanable.dirty.ratio", "0.01"));
            for (int i = 0; i < 500; i++) {
                // One at a time: small batches fill many segments, and only full segments are compacted.
                producer.send(ProducerRecord.of("table", "key-" + (i % 5), "value-" + i)).join();
            }
            long before = admin.describeTopic("table").partitions().get(0).sizeBytes();
            admin.setTopicConfig("table", Map.of("cleanup.policy", "compact"));
            // Compaction runs in passes as segments fill and are cleaned: wait until the log reads back as asserted.
            TopicPartition partition = new TopicPartition("table", 0);
            consumer.assign(List.of(partition));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            List<ConsumerRecord> all = readAll(consumer, partition);
            while ((all.size() >= 100 || admin.describeTopic("table").partitions().get(0).sizeBytes() >= before / 4)
                    && System.nanoTime() < deadline) {
                Thread.sleep(20);
                all = readAll(consumer, partition);
            }
            assertThat(admin.describeTopic("table").partitions().get(0).sizeBytes()).isLessThan(before / 4);
            Map<String, String> latest = new java.util.HashMap<>();
            all.forEach(r -> latest.put(r.keyAsString(), r.valueAsString()));
            assertThat(latest).containsExactlyInAnyOrderEntriesOf(Map.of("key-0", "value-495", "key-1", "value-496",
                    "key-2", "value-497", "key-3", "value-498", "key-4", "value-499"));
            assertThat(all.size()).isLessThan(100);
            assertThat(all).extracting(ConsumerRecord::offset).isSorted().doesNotHaveDuplicates();
        }
    }

    static List<ConsumerRecord> pollAtLeast(Consumer consumer, int count) {
        List<ConsumerRecord> all = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (all.size() < count && System.nanoTime() < deadline) {
            all.addAll(consumer.poll(Duration.ofMillis(100)));
        }
        return all;
    }

    private static void assertFailsWith(CompletableFuture<?> future, Class<? extends Throwable> type, String text) {
        assertThatThrownBy(future::get).isInstanceOf(ExecutionException.class).cause().isInstanceOf(type)
                .hasMessageContaining(text);
    }
}
