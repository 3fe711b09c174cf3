package io.sluice.broker;

import static io.sluice.broker.BrokerTest.pollAtLeast;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.broker.ConsumerConfig.OffsetReset;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad bytes on disk are detected and reported, never returned as records; a damaged directory fails clearly. */
class CorruptionTest {
    @TempDir
    Path dir;

    private List<RecordMetadata> fill(int count) {
        List<RecordMetadata> stored = new ArrayList<>();
        try (Broker broker = Broker.start(dir); Admin admin = broker.admin(); Producer producer = broker.producer()) {
            admin.createTopic(NewTopic.of("t", 1));
            for (int i = 0; i < count; i++) {
                stored.add(producer.send(ProducerRecord.of("t", "k" + i, "value-" + i)).join());
            }
        }
        return stored;
    }

    @Test
    void shouldReportACorruptBatchInsteadOfReturningIt() throws Exception {
        fill(200);
        Path segment = dir.resolve("t-0").resolve("00000000000000000000.log");
        // Flip a byte of record 4's value (key "k4", then the value length 7 as a zigzag varint, then "value-4").
        // It lies before the last index entry, where a clean restart does not look: the read must catch it.
        byte[] bytes = Files.readAllBytes(segment);
        byte[] pattern = "k4\u000evalue-4".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        int at = indexOf(bytes, pattern);
        assertThat(at).isPositive();
        try (RandomAccessFile file = new RandomAccessFile(segment.toFile(), "rw")) {
            file.seek(at + pattern.length - 1);
            file.write('X');
        }
        try (Broker broker = Broker.start(dir);
             Consumer consumer = broker.consumer(ConsumerConfig.builder().autoOffsetReset(OffsetReset.EARLIEST)
                     .maxPollRecords(2).build())) {
            consumer.assign(List.of(new TopicPartition("t", 0)));
            List<ConsumerRecord> good = new ArrayList<>();
            Throwable error = null;
            for (int i = 0; i < 10 && error == null; i++) {
                try {
                    good.addAll(consumer.poll(Duration.ofMillis(100)));
                } catch (CorruptLogException e) {
                    error = e;
                }
            }
            assertThat(error).isInstanceOf(CorruptLogException.class).hasMessageContaining("CRC32C")
                    .hasMessageContaining("t-0");
            assertThat(good).extracting(ConsumerRecord::offset).containsExactly(0L, 1L, 2L, 3L);
            consumer.seek(new TopicPartition("t", 0), 5);
            assertThat(pollAtLeast(consumer, 195)).hasSize(195).first()
                    .extracting(ConsumerRecord::valueAsString).isEqualTo("value-5");
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @Test
    void shouldFailToStartOnUnreadableMetadataNamingTheFile() throws Exception {
        fill(1);
        Files.writeString(dir.resolve("topics.json"), "{not json");
        assertThatThrownBy(() -> Broker.start(dir)).isInstanceOf(StorageException.class)
                .hasMessageContaining("topics.json");
    }

    @Test
    void shouldRecoverFromAMalformedCheckpoint() throws Exception {
        fill(5);
        Files.writeString(dir.resolve("recovery-point-offset-checkpoint"), "0\n7\nnonsense\n");
        Files.delete(dir.resolve(".clean-shutdown"));
        try (Broker broker = Broker.start(dir); Admin admin = broker.admin()) {
            assertThat(admin.describeTopic("t").partitions().get(0).endOffset()).isEqualTo(5);
        }
    }
}
