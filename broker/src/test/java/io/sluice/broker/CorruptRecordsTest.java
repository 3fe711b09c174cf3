package io.sluice.broker;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.broker.ConsumerConfig.OffsetReset;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.FileLogInputStream;
import org.apache.kafka.common.record.FileRecords;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Batches whose CRC32C is right but whose records are not, stored between good ones: a consumer reads the records
 * before them, then gets a {@link CorruptLogException} naming the file and the batch's position — never a raw
 * exception from a decoder — and can seek past them.
 */
@Timeout(60)
class CorruptRecordsTest {
    private static final TopicPartition TP = new TopicPartition("t", 0);
    private static final int GOOD_BEFORE = 5;
    private static final int GOOD_AFTER = 5;

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(value = CompressionType.class, names = {"NONE", "GZIP", "LZ4"})
    void shouldReportARecordThatClaimsMoreBytesThanItsBatchHas(CompressionType compression) throws Exception {
        RawBatch batch = new RawBatch().record(0, new RawBatch.Body().offsetDelta(0).bytes("k").bytes("v")
                .varint(0), 60);
        byte[] bytes = compression == CompressionType.NONE ? batch.build(GOOD_BEFORE)
                : batch.buildCompressed(GOOD_BEFORE, compression);
        assertCorruptBatchIsReportedBetweenGoodOnes(bytes);
    }

    @ParameterizedTest
    @EnumSource(value = CompressionType.class, names = {"GZIP", "SNAPPY", "LZ4", "ZSTD"})
    void shouldReportABatchFlaggedCompressedWhoseBytesAreNot(CompressionType compression) throws Exception {
        RawBatch batch = new RawBatch().record(0, "key", "a value that is not compressed at all");
        assertCorruptBatchIsReportedBetweenGoodOnes(batch.buildFlaggedAs(GOOD_BEFORE, compression));
    }

    @Test
    void shouldReportASnappyChunkOfNegativeSizeAsCorruptionNotAsAnError() throws Exception {
        // snappy-java's framing: its magic, version 1, compatible version 1, then a chunk whose length is -1, on
        // which it throws SnappyError, a java.lang.Error.
        ByteBuffer framed = ByteBuffer.allocate(20);
        framed.put(new byte[] {-126, 'S', 'N', 'A', 'P', 'P', 'Y', 0}).putInt(1).putInt(1).putInt(-1);
        assertCorruptBatchIsReportedBetweenGoodOnes(RawBatch.ofRecordBytes(GOOD_BEFORE, CompressionType.SNAPPY,
                framed.array()));
    }

    @Test
    void shouldReportANegativeKeyLengthOtherThanMinusOne() throws Exception {
        // -5 takes as many bytes as -1 (a null key), so the record's size still adds up.
        RawBatch batch = new RawBatch().record(0, new RawBatch.Body().offsetDelta(0).varint(-5).bytes("v")
                .varint(0), -1);
        assertCorruptBatchIsReportedBetweenGoodOnes(batch.build(GOOD_BEFORE));
    }

    @Test
    void shouldReportAHeaderCountOfIntegerMaxValue() throws Exception {
        RawBatch batch = new RawBatch().record(0, new RawBatch.Body().offsetDelta(0).bytes("k").bytes("v")
                .varint(Integer.MAX_VALUE), -1);
        assertCorruptBatchIsReportedBetweenGoodOnes(batch.build(GOOD_BEFORE));
    }

    @Test
    void shouldLoadTheCommittedOffsetsAroundACorruptBatchAndStart() throws Exception {
        produce(0, 1);
        commit("before", 1);
        Path offsets = dir.resolve("__consumer_offsets-0").resolve("00000000000000000000.log");
        RawBatch.appendTo(offsets, new RawBatch().record(0, new RawBatch.Body().offsetDelta(0).bytes("k").bytes("v")
                .varint(0), 60).build(RawBatch.nextOffset(offsets)));
        commit("after", 1);
        try (Broker broker = Broker.start(dir); Admin admin = broker.admin()) {
            assertThat(admin.listGroupOffsets("before")).containsEntry(TP, OffsetAndMetadata.of(1));
            assertThat(admin.listGroupOffsets("after")).containsEntry(TP, OffsetAndMetadata.of(1));
        }
    }

    @Test
    void shouldReportABatchWhoseHeaderIsUnreadableAndStartTheKafkaListenerAllTheSame() throws Exception {
        produce(0, 200);
        Path segment = dir.resolve("t-0").resolve("00000000000000000000.log");
        long position = positionOfBatch(segment, 4);
        // A size below any batch's header, before the last index entry, where a clean restart does not look.
        try (FileChannel file = FileChannel.open(segment, StandardOpenOption.WRITE)) {
            file.write(ByteBuffer.allocate(4).putInt(0, 5), position + 8);
        }
        try (Broker broker = Broker.start(BrokerConfig.builder(dir)
                .set(BrokerConfig.LISTENERS, "PLAINTEXT://127.0.0.1:0").build());
             Consumer consumer = broker.consumer(ConsumerConfig.builder().autoOffsetReset(OffsetReset.EARLIEST)
                     .build())) {
            assertThat(broker.bootstrapServers()).isPresent();
            consumer.assign(List.of(TP));
            List<ConsumerRecord> before = new ArrayList<>();
            CorruptLogException error = pollUntilCorrupt(consumer, before);
            assertThat(before).extracting(ConsumerRecord::offset).containsExactly(0L, 1L, 2L, 3L);
            assertThat(error).isNotNull();
            assertThat(error.getMessage()).contains(segment.toString()).contains("position=" + position);
            // Past the batch, no size tells where the next one starts until the next index entry.
            consumer.seek(TP, 5);
            assertThat(pollUntilCorrupt(consumer, before)).isNotNull().hasMessageContaining(segment.toString())
                    .hasMessageContaining("position=" + position);
            consumer.seek(TP, 150);
            assertThat(BrokerTest.pollAtLeast(consumer, 50)).extracting(ConsumerRecord::valueAsString)
                    .startsWith("value-150").endsWith("value-199");
        }
    }

    private void commit(String group, long offset) {
        try (Broker broker = Broker.start(dir);
             Consumer consumer = broker.consumer(ConsumerConfig.builder().groupId(group).build())) {
            consumer.commitSync(java.util.Map.of(TP, OffsetAndMetadata.of(offset)));
        }
    }

    private static long positionOfBatch(Path segment, long baseOffset) throws Exception {
        try (FileRecords records = FileRecords.open(segment.toFile(), false)) {
            for (FileLogInputStream.FileChannelRecordBatch batch : records.batches()) {
                if (batch.baseOffset() == baseOffset) {
                    return batch.position();
                }
            }
        }
        throw new AssertionError("No batch at offset " + baseOffset + " in " + segment);
    }

    /**
     * Stores good records at offsets 0-4, {@code badBatch} at offset 5, good records at 6-10; reads them from the
     * start as one fetch would.
     */
    private void assertCorruptBatchIsReportedBetweenGoodOnes(byte[] badBatch) throws Exception {
        produce(0, GOOD_BEFORE);
        Path segment = dir.resolve("t-0").resolve("00000000000000000000.log");
        long position = RawBatch.appendTo(segment, badBatch);
        produce(GOOD_BEFORE + 1, GOOD_AFTER);
        try (Broker broker = Broker.start(dir);
             Consumer consumer = broker.consumer(ConsumerConfig.builder().autoOffsetReset(OffsetReset.EARLIEST)
                     .build())) {
            consumer.assign(List.of(TP));
            List<ConsumerRecord> before = new ArrayList<>();
            CorruptLogException error = pollUntilCorrupt(consumer, before);
            assertThat(before).extracting(ConsumerRecord::offset).containsExactly(0L, 1L, 2L, 3L, 4L);
            assertThat(error).isNotNull();
            assertThat(error.getMessage()).contains(segment.toString()).contains("position=" + position)
                    .contains("partition=t-0").contains("offset=" + GOOD_BEFORE);
            assertThat(error.file()).isEqualTo(segment);
            assertThat(error.position()).isEqualTo(position);
            assertThat(consumer.position(TP)).isEqualTo(GOOD_BEFORE);
            // The position stays on the bad batch: the next poll says so again rather than skip it.
            assertThat(pollUntilCorrupt(consumer, before)).isNotNull();
            assertThat(before).hasSize(GOOD_BEFORE);

            consumer.seek(TP, GOOD_BEFORE + 1);
            List<ConsumerRecord> after = BrokerTest.pollAtLeast(consumer, GOOD_AFTER);
            assertThat(after).extracting(ConsumerRecord::valueAsString)
                    .containsExactly("value-6", "value-7", "value-8", "value-9", "value-10");
        }
    }

    /** Polls until a {@link CorruptLogException}, collecting the records returned before it; null if none came. */
    private static CorruptLogException pollUntilCorrupt(Consumer consumer, List<ConsumerRecord> records) {
        for (int i = 0; i < 20; i++) {
            try {
                records.addAll(consumer.poll(Duration.ofMillis(100)));
            } catch (CorruptLogException e) {
                return e;
            }
        }
        return null;
    }

    private void produce(int firstOffset, int count) {
        try (Broker broker = Broker.start(dir); Admin admin = broker.admin(); Producer producer = broker.producer()) {
            if (firstOffset == 0) {
                admin.createTopic(NewTopic.of("t", 1));
            }
            for (int i = firstOffset; i < firstOffset + count; i++) {
                RecordMetadata stored = producer.send(ProducerRecord.of("t", "k" + i, "value-" + i)).join();
                assertThat(stored.offset()).isEqualTo(i);
            }
        }
    }
}
