package io.sluice.broker;

import static io.sluice.broker.BrokerTest.pollAtLeast;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SendAllTest {
    @TempDir
    Path dir;

    private static ProducerConfig encoding(boolean encodeOnSend) {
        return ProducerConfig.builder().set(ProducerConfig.ENCODE_ON_SEND, encodeOnSend).build();
    }

    /** Bad records fail one by one; the good ones around them are stored, in order per partition. */
    @ParameterizedTest(name = "journal threads: {0}, encode.on.send: {1}")
    @CsvSource({"1, false", "2, false", "1, true", "2, true"})
    void shouldStoreEveryGoodRecordInOrderAndFailOnlyTheBadOnes(int journalThreads, boolean encodeOnSend) {
        BrokerConfig config = BrokerConfig.builder(dir).set(BrokerConfig.JOURNAL_THREADS, journalThreads)
                .set(BrokerConfig.JOURNAL_RING_SIZE, 1024).build();
        try (Broker broker = Broker.start(config); Admin admin = broker.admin();
             Producer producer = broker.producer(encoding(encodeOnSend));
             Consumer consumer = broker.consumer()) {
            admin.createTopic(NewTopic.of("orders", 4).withConfig("max.message.bytes", "500"));
            admin.createTopic(NewTopic.of("audit", 1));
            List<ProducerRecord> records = new ArrayList<>();
            int good = 0;
            // More records than a ring holds, so that a call claims slots in several chunks.
            for (int i = 0; i < 3000; i++) {
                records.add(ProducerRecord.of(i % 3 == 0 ? "audit" : "orders", "key-" + (i % 17), "value-" + i));
                good++;
                if (i % 500 == 0) {
                    records.add(ProducerRecord.of("nope", "k", "lost"));
                    records.add(ProducerRecord.of("orders", "k", "x".repeat(600)));
                    records.add(ProducerRecord.of("orders", "k", "v").withPartition(9));
                }
            }
            ConcurrentLinkedQueue<RecordMetadata> stored = new ConcurrentLinkedQueue<>();
            ConcurrentLinkedQueue<Exception> failed = new ConcurrentLinkedQueue<>();
            producer.sendAll(records, (metadata, error) -> {
                if (error != null) {
                    failed.add(error);
                } else {
                    stored.add(metadata);
                }
            });
            producer.flush();

            assertThat(stored).hasSize(good);
            assertThat(failed).hasSize(18);
            assertThat(failed.stream().map(e -> e.getClass().getSimpleName()).collect(Collectors.toSet()))
                    .containsExactlyInAnyOrder("UnknownTopicException", "RecordTooLargeException",
                            "InvalidPartitionException");
            consumer.assign(List.of(new TopicPartition("orders", 0), new TopicPartition("orders", 1),
                    new TopicPartition("orders", 2), new TopicPartition("orders", 3), new TopicPartition("audit", 0)));
            consumer.seekToBeginning(consumer.assignment());
            List<ConsumerRecord> read = pollAtLeast(consumer, good);
            assertThat(read).hasSize(good);
            Map<TopicPartition, List<Integer>> sequence = new HashMap<>();
            for (ConsumerRecord r : read) {
                sequence.computeIfAbsent(r.topicPartition(), tp -> new ArrayList<>())
                        .add(Integer.parseInt(r.valueAsString().substring("value-".length())));
            }
            sequence.values().forEach(values -> assertThat(values).isSortedAccordingTo(Comparator.naturalOrder()));
            assertThat(sequence.values().stream().mapToInt(List::size).sum()).isEqualTo(good);
            // Same key, same partition, as with one send each.
            Map<String, Integer> partitionOfKey = new HashMap<>();
            for (ConsumerRecord r : read) {
                if (r.topic().equals("orders")) {
                    Integer earlier = partitionOfKey.putIfAbsent(r.keyAsString(), r.partition());
                    assertThat(earlier == null || earlier == r.partition()).isTrue();
                }
            }
        }
    }

    /** A callback told only of failures hears of each bad record and of nothing else; the good ones are stored. */
    @ParameterizedTest(name = "sendAll: {0}, encode.on.send: {1}")
    @CsvSource({"false, false", "true, false", "true, true"})
    void shouldTellAFailureOnlyCallbackOfEachFailureAndNothingElse(boolean sendAll, boolean encodeOnSend) {
        try (Broker broker = Broker.start(dir); Admin admin = broker.admin();
             Producer producer = broker.producer(encoding(encodeOnSend));
             Consumer consumer = broker.consumer()) {
            admin.createTopic(NewTopic.of("orders", 2).withConfig("max.message.bytes", "500"));
            List<ProducerRecord> records = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                records.add(ProducerRecord.of("orders", "key-" + i, "value-" + i));
                if (i % 100 == 0) {
                    records.add(ProducerRecord.of("orders", "k", "x".repeat(600)));
                }
            }
            ConcurrentLinkedQueue<Exception> failed = new ConcurrentLinkedQueue<>();
            Callback callback = Callback.onFailure(failed::add);
            if (sendAll) {
                producer.sendAll(records, callback);
            } else {
                records.forEach(record -> producer.send(record, callback));
            }
            producer.flush();

            assertThat(failed).hasSize(10).allMatch(e -> e instanceof RecordTooLargeException);
            consumer.assign(List.of(new TopicPartition("orders", 0), new TopicPartition("orders", 1)));
            consumer.seekToBeginning(consumer.assignment());
            assertThat(pollAtLeast(consumer, 1000)).hasSize(1000);
        }
    }

    @Test
    void shouldFailSendAllOnAClosedProducer() {
        try (Broker broker = Broker.start(dir); Admin admin = broker.admin()) {
            admin.createTopic(NewTopic.of("t", 1));
            Producer producer = broker.producer();
            producer.close();
            assertThatThrownBy(() -> producer.sendAll(
                    List.of(ProducerRecord.of("t", "k", "v")), (m, e) -> { })).isInstanceOf(ClosedException.class);
        }
    }

    /** Single sends and groups of sends to one partition land in the order they were made. */
    @ParameterizedTest(name = "encode.on.send: {0}")
    @ValueSource(booleans = {false, true})
    void shouldKeepOrderBetweenSingleSendsAndGroups(boolean encodeOnSend) {
        try (Broker broker = Broker.start(dir); Admin admin = broker.admin();
             Producer producer = broker.producer(encoding(encodeOnSend)); Consumer consumer = broker.consumer()) {
            admin.createTopic(NewTopic.of("log", 1));
            int next = 0;
            for (int round = 0; round < 50; round++) {
                producer.send(ProducerRecord.of("log", "k", "v" + next++), (m, e) -> { });
                List<ProducerRecord> group = new ArrayList<>();
                for (int i = 0; i < round % 7; i++) {
                    group.add(ProducerRecord.of("log", "k", "v" + next++));
                }
                producer.sendAll(group, (m, e) -> { });
            }
            producer.flush();
            consumer.assign(List.of(new TopicPartition("log", 0)));
            consumer.seekToBeginning(consumer.assignment());
            List<ConsumerRecord> read = pollAtLeast(consumer, next);
            assertThat(read).hasSize(next);
            for (int i = 0; i < next; i++) {
                assertThat(read.get(i).offset()).isEqualTo(i);
                assertThat(read.get(i).valueAsString()).isEqualTo("v" + i);
            }
        }
    }

    @ParameterizedTest(name = "encode.on.send: {0}")
    @ValueSource(booleans = {false, true})
    void shouldStampLogAppendTimeOnGroupsToo(boolean encodeOnSend) {
        try (Broker broker = Broker.start(dir); Admin admin = broker.admin();
             Producer producer = broker.producer(encoding(encodeOnSend)); Consumer consumer = broker.consumer()) {
            admin.createTopic(NewTopic.of("audit", 1).withConfig("message.timestamp.type", "LogAppendTime"));
            long before = System.currentTimeMillis();
            ConcurrentLinkedQueue<RecordMetadata> stored = new ConcurrentLinkedQueue<>();
            producer.sendAll(List.of(ProducerRecord.of("audit", "a", "1").withTimestamp(5),
                    ProducerRecord.of("audit", "b", "2").withTimestamp(6)), (m, e) -> stored.add(m));
            producer.flush();
            assertThat(stored).hasSize(2).allMatch(m -> m.timestamp() >= before);
            consumer.assign(List.of(new TopicPartition("audit", 0)));
            consumer.seekToBeginning(consumer.assignment());
            List<ConsumerRecord> read = pollAtLeast(consumer, 2); // the consumer checks each batch's CRC
            assertThat(read).extracting(ConsumerRecord::timestampType).containsOnly(TimestampType.LOG_APPEND_TIME);
            assertThat(read).allMatch(r -> r.timestamp() >= before);
        }
    }

    /** Many groups over small segments and a dense index: every offset is found again, also after a restart. */
    @ParameterizedTest(name = "encode.on.send: {0}")
    @ValueSource(booleans = {false, true})
    void shouldFindEveryOffsetOfGroupsAcrossSegmentsAndRestarts(boolean encodeOnSend) {
        int total = 20_000;
        try (Broker broker = Broker.start(dir); Admin admin = broker.admin();
             Producer producer = broker.producer(encoding(encodeOnSend))) {
            admin.createTopic(NewTopic.of("big", 1).withConfig("segment.bytes", "65536")
                    .withConfig("index.interval.bytes", "512"));
            List<ProducerRecord> group = new ArrayList<>();
            for (int i = 0; i < total; i++) {
                group.add(ProducerRecord.of("big", "k" + i, "value-" + i));
                if (group.size() == 300) {
                    producer.sendAll(group, (m, e) -> { });
                    group = new ArrayList<>();
                }
            }
            producer.sendAll(group, (m, e) -> { });
            producer.flush();
        }
        try (Broker broker = Broker.start(dir); Consumer consumer = broker.consumer()) {
            TopicPartition tp = new TopicPartition("big", 0);
            consumer.assign(List.of(tp));
            for (long offset : new long[] {0, 1, 299, 300, 301, 4_567, 12_345, total - 1}) {
                consumer.seek(tp, offset);
                ConsumerRecord first = pollAtLeast(consumer, 1).get(0);
                assertThat(first.offset()).isEqualTo(offset);
                assertThat(first.valueAsString()).isEqualTo("value-" + offset);
            }
            consumer.seekToBeginning(List.of(tp));
            assertThat(pollAtLeast(consumer, total)).hasSize(total);
        }
    }

    /**
     * A producer with {@code wake.on.hand.off} leaves an idle journal asleep until it hands off; sending more records
     * than the ring holds without a hand-off must still get through (a full ring wakes the journal), in order.
     */
    @ParameterizedTest(name = "wait strategy: {0}")
    @ValueSource(strings = {"parking", "phased", "blocking"})
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a lost wake-up hangs the sender
    void shouldStoreEverythingAWakeOnHandOffProducerSends(String waitStrategy) throws Exception {
        BrokerConfig config = BrokerConfig.builder(dir).set(BrokerConfig.JOURNAL_RING_SIZE, 64)
                .set(BrokerConfig.JOURNAL_WAIT_STRATEGY, waitStrategy).build();
        ProducerConfig wakeOnHandOff = ProducerConfig.builder().set(ProducerConfig.WAKE_ON_HAND_OFF, true).build();
        try (Broker broker = Broker.start(config); Admin admin = broker.admin();
             Producer producer = broker.producer(wakeOnHandOff)) {
            admin.createTopic(NewTopic.of("orders", 1));
            List<java.util.concurrent.CompletableFuture<RecordMetadata>> sent = new ArrayList<>();
            for (int i = 0; i < 1_000; i++) { // 15 rings' worth, with no hand-off
                sent.add(producer.send(ProducerRecord.of("orders", "k", "v" + i)));
            }
            producer.handOff();
            for (int i = 0; i < sent.size(); i++) {
                assertThat(sent.get(i).get(10, java.util.concurrent.TimeUnit.SECONDS).offset()).isEqualTo(i);
            }
            // An idle journal, one record, a hand-off: stored without a flush.
            Thread.sleep(50);
            var late = producer.send(ProducerRecord.of("orders", "k", "late"));
            producer.handOff();
            assertThat(late.get(10, java.util.concurrent.TimeUnit.SECONDS).offset()).isEqualTo(1_000);
        }
    }
}
