package io.sluice.broker;

import static io.sluice.broker.BrokerTest.pollAtLeast;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.broker.ConsumerConfig.OffsetReset;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoints, files, and group membership across restarts, deletions and failed starts. */
@Timeout(120)
class LifecycleTest {
    @TempDir
    Path dir;
    @TempDir
    Path copy;

    private static List<String> openFilesUnder(Path root) throws IOException {
        List<String> open = new ArrayList<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith(root.toString())) {
                        open.add(target);
                    }
                } catch (IOException e) {
                    // closed meanwhile
                }
            }
        }
        return open;
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : files.toList()) {
                Path target = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(f, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    /**
     * A topic re-created under the name of a deleted one inherits the deleted topic's entry in
     * log-start-offset-checkpoint until the next periodic checkpoint (60 s by default). After a kill -9 in that window
     * PartitionLog.load computes logStartOffset = min(max(stale, 0), logEnd): the new topic's acknowledged records
     * become unreadable. The kill -9 is simulated by copying the data directory of the running broker (the page
     * cache is what survives a process kill).
     */
    @Test
    void acknowledgedRecordsOfARecreatedTopicMustSurviveAKill() throws Exception {
        BrokerConfig first = BrokerConfig.builder(dir).set("log.retention.check.interval.ms", 50).build();
        try (Broker broker = Broker.start(first); Admin admin = broker.admin(); Producer producer = broker.producer();
             Consumer consumer = broker.consumer()) {
            admin.createTopic(NewTopic.of("t", 1).withConfig("segment.bytes", "1024")
                    .withConfig("retention.bytes", "1"));
            for (int i = 0; i < 300; i++) {
                producer.send(ProducerRecord.of("t", "k" + i, "some value " + i)).join();
            }
            TopicPartition tp = new TopicPartition("t", 0);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (consumer.beginningOffsets(List.of(tp)).get(tp) < 100 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(consumer.beginningOffsets(List.of(tp)).get(tp)).isGreaterThanOrEqualTo(100);
        } // clean close: log-start-offset-checkpoint now says t 0 >= 100
        try (Broker broker = Broker.start(dir); Admin admin = broker.admin(); Producer producer = broker.producer()) {
            admin.deleteTopic("t");
            admin.createTopic(NewTopic.of("t", 1).withConfig("flush.messages", "1"));
            for (int i = 0; i < 10; i++) {
                producer.send(ProducerRecord.of("t", "k" + i, "acked " + i)).join(); // fsynced and acknowledged
            }
            copyTree(dir, copy); // what a kill -9 right now leaves on disk
        }
        try (Broker broker = Broker.start(copy);
             Consumer consumer = broker.consumer(ConsumerConfig.builder().autoOffsetReset(OffsetReset.EARLIEST)
                     .build())) {
            TopicPartition tp = new TopicPartition("t", 0);
            consumer.assign(List.of(tp));
            assertThat(consumer.endOffsets(List.of(tp))).containsEntry(tp, 10L);
            assertThat(consumer.beginningOffsets(List.of(tp))).as("log start offset").containsEntry(tp, 0L);
            assertThat(pollAtLeast(consumer, 10)).hasSize(10);
        }
    }

    /**
     * A topic whose partition cannot be opened is left unavailable and the broker starts; the partitions already
     * opened for it (file channels and index mmaps while loading checked them) are closed.
     */
    @Test
    void aTopicThatFailsToOpenMustLeaveNoneOfItsLogsOpen() throws Exception {
        try (Broker broker = Broker.start(dir); Admin admin = broker.admin(); Producer producer = broker.producer()) {
            admin.createTopic(NewTopic.of("t", 2));
            producer.send(ProducerRecord.of("t", "k", "v").withPartition(0)).join();
        }
        replaceWithAFile(dir.resolve("t-1"));
        try (Broker broker = Broker.start(dir); Admin admin = broker.admin()) {
            assertThatThrownBy(() -> admin.describeTopic("t")).isInstanceOf(StorageException.class)
                    .hasMessageContaining("topic=t").hasMessageContaining("t-1");
            assertThat(openFilesUnder(dir.resolve("t-0"))).as("files still open after the failed load").isEmpty();
        }
    }

    /** A start that fails (the broker's own topic cannot be opened) closes the logs of every topic it opened. */
    @Test
    void aFailedStartMustCloseEveryLogItOpened() throws Exception {
        try (Broker broker = Broker.start(dir); Admin admin = broker.admin(); Producer producer = broker.producer()) {
            admin.createTopic(NewTopic.of("t", 1));
            producer.send(ProducerRecord.of("t", "k", "v")).join();
        }
        try (Stream<Path> dirs = Files.list(dir)) {
            replaceWithAFile(dirs.filter(d -> d.getFileName().toString().startsWith("__")).findFirst()
                    .orElseThrow());
        }
        assertThatThrownBy(() -> Broker.start(dir)).isInstanceOf(StorageException.class);
        assertThat(openFilesUnder(dir.resolve("t-0"))).as("files still open after the failed start").isEmpty();
    }

    private static void replaceWithAFile(Path partitionDir) throws IOException {
        try (Stream<Path> files = Files.walk(partitionDir)) {
            for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
        Files.writeString(partitionDir, "not a directory");
    }

    /**
     * A deleted topic's logs are closed by a task scheduled file.delete.delay.ms later on the scheduler, which
     * BrokerCore.close() shuts down with shutdownNow(): closing the broker in that window leaks them. The same holds
     * for segments deleted by retention or replaced by compaction (PartitionLog.scheduleFileDeletion).
     */
    @Test
    void closingTheBrokerMustReleaseTheFilesOfADeletedTopic() throws Exception {
        try (Broker broker = Broker.start(dir); Admin admin = broker.admin(); Producer producer = broker.producer()) {
            admin.createTopic(NewTopic.of("gone", 1));
            producer.send(ProducerRecord.of("gone", "k", "v")).join();
            admin.deleteTopic("gone");
        }
        List<String> open = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(dir)) {
            for (Path d : dirs.filter(p -> p.getFileName().toString().startsWith("gone-0")).toList()) {
                open.addAll(openFilesUnder(d));
            }
        }
        assertThat(open).as("files of the deleted topic still open after Broker.close()").isEmpty();
    }

    /**
     * A member removed for exceeding max.poll.interval.ms still auto-commits its stale positions on close()
     * (leaveGroup → commitPositions), and commitSync() is accepted too: OffsetStore.commit checks no membership or
     * generation. The group's committed offset moves back under the member that now owns the partition.
     */
    @Test
    void anExpiredMemberMustNotOverwriteTheNewOwnersCommit() throws Exception {
        try (Broker broker = Broker.start(dir); Admin admin = broker.admin(); Producer producer = broker.producer()) {
            admin.createTopic(NewTopic.of("t", 1));
            for (int i = 0; i < 100; i++) {
                producer.send(ProducerRecord.of("t", "k" + i, "v" + i));
            }
            producer.flush();
            TopicPartition tp = new TopicPartition("t", 0);
            Consumer slow = broker.consumer(ConsumerConfig.builder().groupId("g").autoOffsetReset(OffsetReset.EARLIEST)
                    .maxPollRecords(10).set("max.poll.interval.ms", 300).build());
            slow.subscribe(List.of("t"));
            assertThat(pollAtLeast(slow, 10)).hasSize(10);
            Thread.sleep(2_500); // the coordinator expires the slow member (checked every second)
            try (Consumer fast = broker.consumer(ConsumerConfig.builder().groupId("g")
                    .autoOffsetReset(OffsetReset.EARLIEST).build())) {
                fast.subscribe(List.of("t"));
                assertThat(pollAtLeast(fast, 100)).hasSize(100);
                fast.commitSync();
                assertThat(admin.listGroupOffsets("g").get(tp).offset()).isEqualTo(100);
                slow.close(); // the zombie leaves
                assertThat(admin.listGroupOffsets("g").get(tp).offset()).as("committed offset after the zombie left")
                        .isEqualTo(100);
            }
        }
    }

    /**
     * With auto.offset.reset=none, EmbeddedConsumer.reconcile adds partitions one at a time and calls ensurePosition
     * in between; the first one without a committed offset throws, and the rest of work.assign() is never added
     * locally although the coordinator now counts them as owned. They are never consumed.
     */
    @Test
    void aNoOffsetErrorMustNotLoseTheRestOfTheAssignment() throws Exception {
        try (Broker broker = Broker.start(dir); Admin admin = broker.admin(); Producer producer = broker.producer();
             Consumer consumer = broker.consumer(ConsumerConfig.builder().groupId("g")
                     .autoOffsetReset(OffsetReset.NONE).build())) {
            admin.createTopic(NewTopic.of("t", 2));
            consumer.subscribe(List.of("t"));
            assertThatThrownBy(() -> consumer.poll(Duration.ofMillis(200)))
                    .isInstanceOf(OffsetOutOfRangeException.class);
            TopicPartition p0 = new TopicPartition("t", 0);
            TopicPartition p1 = new TopicPartition("t", 1);
            // The application commits a start for every partition and polls on, as a Kafka application would.
            consumer.commitSync(Map.of(p0, OffsetAndMetadata.of(0), p1, OffsetAndMetadata.of(0)));
            producer.send(ProducerRecord.of("t", "x", "to p0").withPartition(0));
            producer.send(ProducerRecord.of("t", "y", "to p1").withPartition(1));
            producer.flush();
            Set<Integer> seen = new HashSet<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (System.nanoTime() < deadline && seen.size() < 2) {
                try {
                    consumer.poll(Duration.ofMillis(100)).forEach(r -> seen.add(r.partition()));
                } catch (OffsetOutOfRangeException e) {
                    // keep polling
                }
            }
            assertThat(consumer.assignment()).as("assignment").containsExactlyInAnyOrder(p0, p1);
            assertThat(seen).as("partitions read").containsExactlyInAnyOrder(0, 1);
        }
    }

    /**
     * Group ids are stored with an int16 length, as in Kafka: a longer one is refused where it is configured, with
     * the key named, instead of being committed in a form the next start cannot read.
     */
    @Test
    void aGroupIdTooLongToStoreIsRefusedUpFront() {
        assertThatThrownBy(() -> ConsumerConfig.builder().groupId("\u00e9".repeat(17_000)).build())
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("key=group.id")
                .hasMessageContaining("32767 bytes");
        String longest = "g".repeat(32_767);
        TopicPartition tp = new TopicPartition("t", 0);
        try (Broker broker = Broker.start(dir); Admin admin = broker.admin();
             Consumer consumer = broker.consumer(ConsumerConfig.builder().groupId(longest).build())) {
            admin.createTopic(NewTopic.of("t", 1));
            consumer.commitSync(Map.of(tp, OffsetAndMetadata.of(42)));
        }
        try (Broker broker = Broker.start(dir); Admin admin = broker.admin()) {
            assertThat(admin.listGroupOffsets(longest)).as("commits after restart")
                    .containsEntry(tp, OffsetAndMetadata.of(42));
        }
    }
}
