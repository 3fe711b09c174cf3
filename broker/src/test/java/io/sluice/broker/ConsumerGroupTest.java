package io.sluice.broker;

import static io.sluice.broker.BrokerTest.pollAtLeast;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.broker.ConsumerConfig.OffsetReset;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class ConsumerGroupTest {
    @TempDir
    Path dir;

    private static ConsumerConfig group(String id) {
        return ConsumerConfig.builder().groupId(id).autoOffsetReset(OffsetReset.EARLIEST).build();
    }

    private static void produce(Producer producer, String topic, int from, int count) {
        for (int i = from; i < from + count; i++) {
            producer.send(ProducerRecord.of(topic, "k" + i, "v" + i));
        }
        producer.flush();
    }

    /** Polls both consumers until their assignments are stable and cover {@code partitions}. */
    private static void pollUntilBalanced(List<Consumer> consumers, int partitions) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            int total = 0;
            Set<TopicPartition> union = new HashSet<>();
            for (Consumer c : consumers) {
                c.poll(Duration.ofMillis(20));
                total += c.assignment().size();
                union.addAll(c.assignment());
            }
            if (total == partitions && union.size() == partitions) {
                return;
            }
        }
        throw new AssertionError("group did not balance");
    }

    @Test
    void shouldSharePartitionsAmongMembersAndReadEveryRecordOnce() {
        try (Broker broker = Broker.start(dir); Admin admin = broker.admin(); Producer producer = broker.producer();
             Consumer a = broker.consumer(group("g")); Consumer b = broker.consumer(group("g"))) {
            admin.createTopic(NewTopic.of("t", 6));
            a.subscribe(List.of("t"));
            b.subscribe(List.of("t"));
            pollUntilBalanced(List.of(a, b), 6);
            assertThat(a.assignment()).hasSize(3).doesNotContainAnyElementsOf(b.assignment());
            produce(producer, "t", 0, 1000);
            Set<String> seen = new HashSet<>();
            List<String> duplicates = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (seen.size() < 1000 && System.nanoTime() < deadline) {
                for (Consumer c : List.of(a, b)) {
                    for (ConsumerRecord r : c.poll(Duration.ofMillis(20))) {
                        if (!seen.add(r.valueAsString())) {
                            duplicates.add(r.valueAsString());
                        }
                    }
                }
            }
            assertThat(seen).hasSize(1000);
            assertThat(duplicates).isEmpty();
        }
    }

    @Test
    void shouldMovePartitionsToTheRemainingMemberWithoutLossWhenOneLeaves() {
        try (Broker broker = Broker.start(dir); Admin admin = broker.admin(); Producer producer = broker.producer();
             Consumer b = broker.consumer(group("g"))) {
            admin.createTopic(NewTopic.of("t", 4));
            Consumer a = broker.consumer(group("g"));
            a.subscribe(List.of("t"));
            b.subscribe(List.of("t"));
            pollUntilBalanced(List.of(a, b), 4);
            produce(producer, "t", 0, 400);
            Set<String> seen = new HashSet<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (seen.size() < 400 && System.nanoTime() < deadline) {
                for (Consumer c : List.of(a, b)) {
                    c.poll(Duration.ofMillis(20)).forEach(r -> seen.add(r.valueAsString()));
                }
            }
            a.close(); // commits its positions and hands its partitions over
            produce(producer, "t", 400, 400);
            List<ConsumerRecord> rest = pollAtLeast(b, 400);
            assertThat(b.assignment()).hasSize(4);
            assertThat(rest).hasSize(400);
            rest.forEach(r -> assertThat(seen.add(r.valueAsString())).as("duplicate %s", r).isTrue());
            assertThat(seen).hasSize(800);
        }
    }

    @Test
    void shouldTellTheListenerWhatIsRevokedBeforeItIsAssignedElsewhere() {
        try (Broker broker = Broker.start(dir); Admin admin = broker.admin();
             Consumer a = broker.consumer(group("g")); Consumer b = broker.consumer(group("g"))) {
            admin.createTopic(NewTopic.of("t", 2));
            List<String> events = new CopyOnWriteArrayList<>();
            a.subscribe(List.of("t"), listener("a", events));
            a.poll(Duration.ofMillis(50));
            assertThat(a.assignment()).hasSize(2);
            b.subscribe(List.of("t"), listener("b", events));
            b.poll(Duration.ofMillis(20));
            assertThat(b.assignment()).as("nothing until a revokes").isEmpty();
            a.poll(Duration.ofMillis(20));
            b.poll(Duration.ofMillis(20));
            assertThat(a.assignment()).hasSize(1);
            assertThat(b.assignment()).hasSize(1);
            assertThat(events).containsExactly("a assigned 2", "a revoked 1", "b assigned 1");
        }
    }

    private static ConsumerRebalanceListener listener(String name, List<String> events) {
        return new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                events.add(name + " revoked " + partitions.size());
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                events.add(name + " assigned " + partitions.size());
            }
        };
    }

    @Test
    void shouldResumeFromCommittedOffsetsAfterARestart() {
        try (Broker broker = Broker.start(dir); Admin admin = broker.admin(); Producer producer = broker.producer()) {
            admin.createTopic(NewTopic.of("t", 1));
            produce(producer, "t", 0, 100);
            try (Consumer c = broker.consumer(ConsumerConfig.builder().groupId("g").enableAutoCommit(false)
                    .autoOffsetReset(OffsetReset.EARLIEST).maxPollRecords(30).build())) {
                c.subscribe(List.of("t"));
                List<ConsumerRecord> first = pollAtLeast(c, 1);
                assertThat(first.get(0).offset()).isZero();
                c.commitSync(Map.of(new TopicPartition("t", 0), OffsetAndMetadata.of(60)));
            }
        }
        try (Broker broker = Broker.start(dir); Admin admin = broker.admin();
             Consumer c = broker.consumer(group("g"))) {
            assertThat(admin.listGroups()).contains("g");
            assertThat(admin.listGroupOffsets("g")).containsEntry(new TopicPartition("t", 0),
                    OffsetAndMetadata.of(60));
            c.subscribe(List.of("t"));
            List<ConsumerRecord> rest = pollAtLeast(c, 40);
            assertThat(rest).hasSize(40);
            assertThat(rest.get(0).offset()).isEqualTo(60);
        }
    }

    @Test
    void shouldWakeABlockedPollAsSoonAsARecordArrives() throws Exception {
        try (Broker broker = Broker.start(dir); Admin admin = broker.admin(); Producer producer = broker.producer();
             Consumer c = broker.consumer()) {
            admin.createTopic(NewTopic.of("t", 3));
            c.assign(c.partitionsFor("t"));
            c.poll(Duration.ZERO);
            CountDownLatch polling = new CountDownLatch(1);
            AtomicReference<List<ConsumerRecord>> got = new AtomicReference<>();
            Thread poller = new Thread(() -> {
                polling.countDown();
                got.set(c.poll(Duration.ofSeconds(30)));
            });
            poller.start();
            polling.await();
            Thread.sleep(50);
            producer.send(ProducerRecord.of("t", "k", "hello")).join();
            poller.join(10_000);
            assertThat(poller.isAlive()).as("poll still blocked").isFalse();
            assertThat(got.get()).extracting(ConsumerRecord::valueAsString).containsExactly("hello");
        }
    }

    @Test
    void shouldThrowFromABlockedPollOnWakeup() throws Exception {
        try (Broker broker = Broker.start(dir); Admin admin = broker.admin(); Consumer c = broker.consumer()) {
            admin.createTopic(NewTopic.of("t", 1));
            c.assign(c.partitionsFor("t"));
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            Thread poller = new Thread(() -> {
                try {
                    c.poll(Duration.ofSeconds(30));
                } catch (Throwable t) {
                    thrown.set(t);
                }
            });
            poller.start();
            Thread.sleep(50);
            c.wakeup();
            poller.join(10_000);
            assertThat(thrown.get()).isInstanceOf(WakeupException.class);
        }
    }

    @Test
    void shouldApplyAutoOffsetReset() {
        try (Broker broker = Broker.start(dir); Admin admin = broker.admin(); Producer producer = broker.producer()) {
            admin.createTopic(NewTopic.of("t", 1));
            produce(producer, "t", 0, 10);
            TopicPartition tp = new TopicPartition("t", 0);
            try (Consumer latest = broker.consumer(ConsumerConfig.builder().build())) {
                latest.assign(List.of(tp));
                assertThat(latest.position(tp)).isEqualTo(10);
            }
            try (Consumer earliest = broker.consumer(ConsumerConfig.builder()
                    .autoOffsetReset(OffsetReset.EARLIEST).build())) {
                earliest.assign(List.of(tp));
                assertThat(earliest.position(tp)).isZero();
                earliest.seek(tp, 7);
                assertThat(pollAtLeast(earliest, 3)).extracting(ConsumerRecord::offset).containsExactly(7L, 8L, 9L);
            }
            try (Consumer none = broker.consumer(ConsumerConfig.builder()
                    .autoOffsetReset(OffsetReset.NONE).build())) {
                none.assign(List.of(tp));
                assertThatThrownBy(() -> none.poll(Duration.ZERO)).isInstanceOf(OffsetOutOfRangeException.class);
                none.seek(tp, 50);
                assertThatThrownBy(() -> none.poll(Duration.ZERO)).isInstanceOf(OffsetOutOfRangeException.class)
                        .hasMessageContaining("offset=50");
            }
        }
    }

    @Test
    void shouldResetToTheLogStartWhenRetentionRemovedThePosition() {
        BrokerConfig config = BrokerConfig.builder(dir).set("log.segment.delete.delay.ms", 0)
                .set("log.retention.check.interval.ms", 50).build();
        try (Broker broker = Broker.start(config); Admin admin = broker.admin(); Producer producer = broker.producer();
             Consumer c = broker.consumer(ConsumerConfig.builder().autoOffsetReset(OffsetReset.EARLIEST).build())) {
            admin.createTopic(NewTopic.of("t", 1).withConfig("segment.bytes", "200").withConfig("retention.bytes",
                    "400"));
            TopicPartition tp = new TopicPartition("t", 0);
            c.assign(List.of(tp));
            c.seek(tp, 0);
            produce(producer, "t", 0, 50);
            broker.admin().setTopicConfig("t", Map.of("retention.ms", "1"));
            long start = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (start == 0 && System.nanoTime() < deadline) {
                produce(producer, "t", 50, 1);
                start = c.beginningOffsets(List.of(tp)).get(tp);
            }
            assertThat(start).as("retention ran").isGreaterThan(0);
            // Stop deleting, so that what the consumer resets to is still there when it reads.
            broker.admin().setTopicConfig("t", Map.of("retention.ms", "-1"));
            produce(producer, "t", 51, 1);
            List<ConsumerRecord> read = pollAtLeast(c, 1);
            assertThat(read.get(0).offset()).isGreaterThanOrEqualTo(start);
        }
    }

    @Test
    void shouldPauseAndResumePartitions() {
        try (Broker broker = Broker.start(dir); Admin admin = broker.admin(); Producer producer = broker.producer();
             Consumer c = broker.consumer(ConsumerConfig.builder().autoOffsetReset(OffsetReset.EARLIEST).build())) {
            admin.createTopic(NewTopic.of("t", 2));
            TopicPartition p0 = new TopicPartition("t", 0);
            TopicPartition p1 = new TopicPartition("t", 1);
            producer.send(ProducerRecord.of("t", "a", "zero").withPartition(0)).join();
            producer.send(ProducerRecord.of("t", "b", "one").withPartition(1)).join();
            c.assign(List.of(p0, p1));
            c.pause(List.of(p0));
            assertThat(pollAtLeast(c, 1)).extracting(ConsumerRecord::valueAsString).containsExactly("one");
            assertThat(c.poll(Duration.ofMillis(50))).isEmpty();
            c.resume(List.of(p0));
            assertThat(pollAtLeast(c, 1)).extracting(ConsumerRecord::valueAsString).containsExactly("zero");
        }
    }

    @Test
    void shouldFindOffsetsByTimestamp() {
        try (Broker broker = Broker.start(dir); Admin admin = broker.admin(); Producer producer = broker.producer();
             Consumer c = broker.consumer()) {
            admin.createTopic(NewTopic.of("t", 1));
            for (int i = 0; i < 10; i++) {
                producer.send(ProducerRecord.of("t", "k", "v" + i).withTimestamp(1000L * i)).join();
            }
            TopicPartition tp = new TopicPartition("t", 0);
            Map<TopicPartition, OffsetAndTimestamp> found = c.offsetsForTimes(Map.of(tp, 4500L));
            assertThat(found.get(tp)).isEqualTo(new OffsetAndTimestamp(5, 5000));
            assertThat(c.offsetsForTimes(Map.of(tp, 99_999L)).get(tp)).isNull();
        }
    }

    @Test
    void shouldRejectGroupOperationsWithoutAGroupId() {
        try (Broker broker = Broker.start(dir); Admin admin = broker.admin(); Consumer c = broker.consumer()) {
            admin.createTopic(NewTopic.of("t", 1));
            assertThatThrownBy(() -> c.subscribe(List.of("t"))).isInstanceOf(InvalidConfigException.class)
                    .hasMessageContaining("group.id");
            c.assign(List.of(new TopicPartition("t", 0)));
            assertThatThrownBy(c::commitSync).isInstanceOf(InvalidConfigException.class);
            assertThatThrownBy(() -> c.assign(List.of(new TopicPartition("nope", 0))))
                    .isInstanceOf(UnknownTopicException.class);
            assertThatThrownBy(() -> c.assign(List.of(new TopicPartition("t", 5))))
                    .isInstanceOf(InvalidPartitionException.class);
        }
    }

    @Test
    void shouldAssignPartitionsOfATopicCreatedAfterSubscribing() {
        try (Broker broker = Broker.start(dir); Admin admin = broker.admin(); Producer producer = broker.producer();
             Consumer c = broker.consumer(group("g"))) {
            c.subscribe(List.of("later"));
            assertThat(c.poll(Duration.ofMillis(20))).isEmpty();
            admin.createTopic(NewTopic.of("later", 2));
            producer.send(ProducerRecord.of("later", "k", "v")).join();
            assertThat(pollAtLeast(c, 1)).extracting(ConsumerRecord::valueAsString).containsExactly("v");
            assertThat(c.assignment()).hasSize(2);
            admin.createPartitions("later", 3);
            c.poll(Duration.ofMillis(50));
            assertThat(c.assignment()).hasSize(3);
        }
    }
}
