package io.sluice.broker;

import static io.sluice.broker.BrokerTest.readAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A topic change is all or nothing: topics.json records it only once every partition it adds is open, and what a
 * failure or a crash half way leaves behind never finds its way into a later topic.
 */
@Timeout(60)
class TopicChangesTest {
    @TempDir
    Path dir;
    @TempDir
    Path elsewhere;

    private byte[] metadata() throws IOException {
        return Files.readAllBytes(dir.resolve("topics.json"));
    }

    private List<String> entriesStartingWith(String prefix) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).filter(name -> name.startsWith(prefix)).sorted()
                    .toList();
        }
    }

    @Test
    void shouldLeaveTheTopicAndTopicsJsonAsTheyWereWhenANewPartitionCannotBeOpenedHalfWay() throws Exception {
        try (Broker broker = Broker.start(dir); Admin admin = broker.admin()) {
            admin.createTopic(NewTopic.of("t", 3));
            Files.writeString(dir.resolve("t-5"), "a file where partition 5's directory would go");
            byte[] before = metadata();

            assertThatThrownBy(() -> admin.createPartitions("t", 10)).isInstanceOf(StorageException.class)
                    .hasMessageContaining("t-5");

            assertThat(metadata()).isEqualTo(before);
            assertThat(admin.describeTopic("t").partitions()).hasSize(3);
            assertThat(entriesStartingWith("t-")).as("the directories made for partitions 3 and 4 are gone")
                    .containsExactly("t-0", "t-1", "t-2", "t-5");

            Files.delete(dir.resolve("t-5"));
            admin.createPartitions("t", 10);
            assertThat(admin.describeTopic("t").partitions()).hasSize(10);
        }
        try (Broker broker = Broker.start(dir); Admin admin = broker.admin()) {
            assertThat(admin.describeTopic("t").partitions()).hasSize(10);
        }
    }

    @Test
    void shouldCreateNothingWhenAPartitionOfANewTopicCannotBeOpened() throws Exception {
        try (Broker broker = Broker.start(dir); Admin admin = broker.admin()) {
            Files.writeString(dir.resolve("n-2"), "in the way");
            byte[] before = metadata();

            assertThatThrownBy(() -> admin.createTopic(NewTopic.of("n", 5))).isInstanceOf(StorageException.class)
                    .hasMessageContaining("n-2");

            assertThat(metadata()).isEqualTo(before);
            assertThat(admin.listTopics()).doesNotContain("n");
            assertThat(entriesStartingWith("n-")).containsExactly("n-2");
        }
        try (Broker broker = Broker.start(dir); Admin admin = broker.admin()) {
            assertThat(admin.listTopics()).doesNotContain("n");
        }
    }

    /**
     * Directories of partitions that were never recorded — a crash while a change opened them, or a topic whose
     * record went — are ignored at start and moved aside by a later create of the same name, data and all.
     */
    @Test
    void shouldNotLetTheDirectoriesOfAnUnrecordedChangeIntoALaterTopicOfTheSameName() throws Exception {
        try (Broker broker = Broker.start(dir); Admin admin = broker.admin(); Producer producer = broker.producer()) {
            admin.createTopic(NewTopic.of("s", 2));
            for (int p = 0; p < 2; p++) {
                producer.send(ProducerRecord.of("s", "k", "old record").withPartition(p)).join();
            }
        }
        copyTree(dir.resolve("s-0"), elsewhere.resolve("s-0"));
        copyTree(dir.resolve("s-1"), elsewhere.resolve("s-1"));
        try (Broker broker = Broker.start(dir); Admin admin = broker.admin()) {
            admin.deleteTopic("s");
        }
        copyTree(elsewhere.resolve("s-0"), dir.resolve("s-0"));
        Files.delete(dir.resolve("s-0").resolve("partition.metadata")); // made, never named: no topic id at all
        copyTree(elsewhere.resolve("s-1"), dir.resolve("s-1")); // names the deleted topic's id

        try (Broker broker = Broker.start(dir); Admin admin = broker.admin(); Consumer consumer = broker.consumer()) {
            assertThat(admin.listTopics()).doesNotContain("s");
            admin.createTopic(NewTopic.of("s", 2));
            for (int p = 0; p < 2; p++) {
                TopicPartition tp = new TopicPartition("s", p);
                consumer.assign(List.of(tp));
                assertThat(readAll(consumer, tp)).as("partition " + p).isEmpty();
            }
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(from.relativize(f).toString()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }
}
