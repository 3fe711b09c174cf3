package io.sluice.broker.internal.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.Random;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class BatchEncoderTest {

    @ParameterizedTest
    @EnumSource(value = TimestampType.class, names = {"CREATE_TIME", "LOG_APPEND_TIME"})
    void shouldProduceExactlyTheBytesOfKafkasBuilder(TimestampType type) {
        Random random = new Random(11);
        BatchEncoder encoder = new BatchEncoder();
        for (int trial = 0; trial < 200; trial++) {
            int count = 1 + random.nextInt(50);
            long baseOffset = random.nextInt(1_000_000);
            long logAppendTime = 1_700_000_000_000L + random.nextInt(1000);
            long timestamp = 1_700_000_000_000L;
            MemoryRecordsBuilder builder = new MemoryRecordsBuilder(ByteBuffer.allocate(1 << 20),
                    RecordBatch.CURRENT_MAGIC_VALUE, Compression.NONE, type, baseOffset,
                    type == TimestampType.LOG_APPEND_TIME ? logAppendTime : RecordBatch.NO_TIMESTAMP,
                    RecordBatch.NO_PRODUCER_ID, RecordBatch.NO_PRODUCER_EPOCH, RecordBatch.NO_SEQUENCE, false, false,
                    RecordBatch.NO_PARTITION_LEADER_EPOCH, Integer.MAX_VALUE);
            long maxTimestamp = -1;
            for (int i = 0; i < count; i++) {
                timestamp += random.nextInt(2000) - 500; // timestamps may go backwards
                byte[] key = random.nextInt(4) == 0 ? null : bytes(random, random.nextInt(30));
                byte[] value = random.nextInt(8) == 0 ? null : bytes(random, random.nextInt(3000));
                Header[] headers = random.nextInt(3) == 0
                        ? new Header[] {new RecordHeader("h" + i, bytes(random, random.nextInt(10))),
                                new RecordHeader("null", null)}
                        : Record.EMPTY_HEADERS;
                if (i == 0) {
                    encoder.begin(timestamp);
                }
                encoder.append(timestamp, key, value, headers);
                builder.appendWithOffset(baseOffset + i, timestamp, key, value, headers);
                maxTimestamp = Math.max(maxTimestamp, timestamp);
            }
            MemoryRecords ours = encoder.finish(baseOffset, type,
                    type == TimestampType.LOG_APPEND_TIME ? logAppendTime : maxTimestamp);
            MemoryRecords theirs = builder.build();
            assertThat(array(ours.buffer())).as("trial %d, %d records", trial, count)
                    .isEqualTo(array(theirs.buffer()));
            ours.batches().forEach(RecordBatch::ensureValid);
        }
    }

    private static byte[] bytes(Random random, int length) {
        byte[] b = new byte[length];
        random.nextBytes(b);
        return b;
    }

    private static byte[] array(ByteBuffer buffer) {
        byte[] b = new byte[buffer.remaining()];
        buffer.duplicate().get(b);
        return b;
    }
}
