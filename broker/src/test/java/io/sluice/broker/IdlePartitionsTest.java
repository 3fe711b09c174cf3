package io.sluice.broker;

import static io.sluice.broker.BrokerTest.readAll;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Thousands of partitions nobody writes or reads cost no file descriptor and no memory map, when created and after
 * a restart; the ones that are used open their files then, and work.
 */
@Timeout(120)
class IdlePartitionsTest {
    private static final int PARTITIONS = 5_000;
    /** Every 100th partition is written and read. */
    private static final int USED_EVERY = 100;
    /** Descriptors the rest of the process may open or close meanwhile (a checkpoint being written, a log line). */
    private static final long SLACK = 20;

    @TempDir
    Path dir;

    private static long openDescriptors() throws Exception {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    /** Memory maps of files in the data directory. */
    private long mapsOfTheDataDirectory() throws Exception {
        String root = dir.toRealPath().toString();
        return Files.readAllLines(Path.of("/proc/self/maps")).stream().filter(line -> line.contains(root)).count();
    }

    @Test
    void shouldOpenNoFileForIdlePartitionsAndOpenTheUsedOnesWhenUsed() throws Exception {
        long before = openDescriptors();
        List<TopicPartition> used = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p += USED_EVERY) {
            used.add(new TopicPartition("idle", p));
        }
        try (Broker broker = Broker.start(dir); Admin admin = broker.admin(); Producer producer = broker.producer();
             Consumer consumer = broker.consumer()) {
            long started = openDescriptors();
            admin.createTopic(NewTopic.of("idle", PARTITIONS));
            assertThat(admin.describeTopic("idle").partitions()).hasSize(PARTITIONS);
            assertThat(openDescriptors()).as("after creating %d partitions", PARTITIONS)
                    .isLessThanOrEqualTo(started + SLACK);
            assertThat(mapsOfTheDataDirectory()).isZero();

            for (TopicPartition tp : used) {
                producer.send(ProducerRecord.of("idle", "k", "record of " + tp.partition())
                        .withPartition(tp.partition())).join();
            }
            for (TopicPartition tp : used) {
                consumer.assign(List.of(tp));
                assertThat(readAll(consumer, tp)).extracting(ConsumerRecord::valueAsString)
                        .containsExactly("record of " + tp.partition());
            }
            // The used ones hold their active segment's log and two indexes.
            assertThat(openDescriptors()).isLessThanOrEqualTo(started + SLACK + 3L * used.size());
        }
        try (Broker broker = Broker.start(dir); Admin admin = broker.admin(); Consumer consumer = broker.consumer()) {
            assertThat(openDescriptors()).as("after a restart").isLessThanOrEqualTo(before + 2 * SLACK);
            assertThat(mapsOfTheDataDirectory()).isZero();
            assertThat(admin.describeTopic("idle").partitions()).hasSize(PARTITIONS);
            TopicPartition tp = used.get(used.size() - 1);
            consumer.assign(List.of(tp));
            assertThat(readAll(consumer, tp)).extracting(ConsumerRecord::valueAsString)
                    .containsExactly("record of " + tp.partition());
        }
    }
}
