package io.sluice.broker.internal.ingest;

import static io.sluice.broker.internal.ingest.RawBatch.concat;
import static io.sluice.broker.internal.ingest.RawBatch.record;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.broker.TopicPartition;
import io.sluice.broker.internal.ingest.BatchValidator.Outcome;
import io.sluice.broker.internal.ingest.BatchValidator.Result;
import io.sluice.broker.internal.log.LogConfig;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The produce validator on batches Kafka's producer writes, and on each way a batch can lie about itself. */
@Timeout(60)
class BatchValidatorTest {
    private static final TopicPartition PARTITION = new TopicPartition("orders", 0);
    private static final LogConfig CONFIG = LogConfig.defaults();
    private static final long NOW = 1_000_000_000_000L;

    private static Result validate(ByteBuffer batch) {
        return BatchValidator.validate(batch, PARTITION, CONFIG, NOW);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** What Kafka's producer writes: records with and without keys, values and headers, at spread timestamps. */
    private static ByteBuffer kafkasBatch(CompressionType type, int records) {
        MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(1 << 20),
                RecordBatch.CURRENT_MAGIC_VALUE, Compression.of(type).build(), TimestampType.CREATE_TIME, 0L);
        for (int i = 0; i < records; i++) {
            long timestamp = NOW - 1_000 + (i * 7919L) % 2_000;
            builder.append(new SimpleRecord(timestamp, i % 3 == 0 ? null : bytes("k" + i),
                    i % 5 == 0 ? null : bytes("value-" + i),
                    i % 2 == 0 ? new RecordHeader[0] : new RecordHeader[] {new RecordHeader("h", bytes("v" + i))}));
        }
        return builder.build().buffer();
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void shouldAcceptWhatKafkasProducerWritesWithItsCountAndLargestTimestamp(CompressionType type) {
        ByteBuffer batch = kafkasBatch(type, 500);
        int position = batch.position();
        Result result = validate(batch);
        assertThat(result.isValid()).as(result.message()).isTrue();
        assertThat(result.records()).isEqualTo(500);
        long max = Long.MIN_VALUE;
        int at = -1;
        for (int i = 0; i < 500; i++) {
            long timestamp = NOW - 1_000 + (i * 7919L) % 2_000;
            if (timestamp > max) {
                max = timestamp;
                at = i;
            }
        }
        assertThat(result.maxTimestamp()).isEqualTo(max);
        assertThat(result.offsetDeltaOfMaxTimestamp()).isEqualTo(at);
        assertThat(batch.position()).as("the caller's buffer is left as it was").isEqualTo(position);
    }

    @Test
    void shouldRefuseAOneRecordBatchThatClaimsTwoBillionRecordsWithoutAllocatingForThem() {
        RawBatch batch = RawBatch.of(record(0, 0, bytes("k"), bytes("v")));
        batch.count = Integer.MAX_VALUE;
        batch.lastOffsetDelta = Integer.MAX_VALUE - 1;
        Result result = validate(batch.bytes());
        assertThat(result.outcome()).isEqualTo(Outcome.INVALID_RECORD);
        assertThat(result.message()).contains("claims 2147483647 records in").contains("orders-0");
        batch.count = 100_000_000;
        batch.lastOffsetDelta = 99_999_999;
        assertThat(validate(batch.bytes()).outcome()).isEqualTo(Outcome.INVALID_RECORD);
    }

    @Test
    void shouldRefuseABatchThatClaimsTwoRecordsButHoldsOne() {
        RawBatch batch = RawBatch.of(record(0, 0, bytes("k"), bytes("v")), record(0, 1, bytes("k"), bytes("v")));
        batch.records = record(0, 0, bytes("k"), bytes("a-longer-value-than-the-minimum-record"));
        Result result = validate(batch.bytes());
        assertThat(result.outcome()).isEqualTo(Outcome.INVALID_RECORD);
        assertThat(result.message()).contains("claims 2 records but holds 1");
    }

    @Test
    void shouldRefuseARecordThatClaimsAMillionOffsets() {
        RawBatch batch = RawBatch.of(record(0, 0, bytes("k"), bytes("v")));
        batch.count = 1;
        batch.lastOffsetDelta = 999_999;
        assertThat(validate(batch.bytes()).message()).contains("does not match the last offset delta 999999");
        batch.count = 1_000_000;
        assertThat(validate(batch.bytes()).outcome()).isEqualTo(Outcome.INVALID_RECORD);
        RawBatch jumping = RawBatch.of(record(0, 999_999, bytes("k"), bytes("v")));
        assertThat(validate(jumping.bytes()).message()).contains("record 0: its offset delta is 999999");
    }

    @ParameterizedTest
    @EnumSource(value = CompressionType.class, names = "NONE", mode = EnumSource.Mode.EXCLUDE)
    void shouldRefuseUncompressedRecordsFlaggedAsCompressed(CompressionType type) {
        RawBatch batch = RawBatch.of(record(0, 0, bytes("k"), bytes("value")), record(1, 1, null, bytes("v")));
        batch.attributes = type.id;
        Result result = validate(batch.bytes());
        assertThat(result.isValid()).isFalse();
        assertThat(result.outcome()).isIn(Outcome.CORRUPT, Outcome.INVALID_RECORD);
        assertThat(result.message()).contains("orders-0");
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void shouldRefuseRecordsThatLieAboutTheirSizesCompressedOrNot(CompressionType type) {
        byte[] good = record(0, 0, bytes("key"), bytes("value"));
        java.util.List<byte[]> lies = java.util.List.of(
                // A record length longer, then shorter, than its fields.
                RawBatch.withLength(good.length + 3, ByteBuffer.wrap(good, 1, good.length - 1)),
                RawBatch.withLength(good.length - 3, ByteBuffer.wrap(good, 1, good.length - 1)),
                // A key of 2^30 bytes, a key length of -2, a value past the record's end.
                concat(RawBatch.varint(8), new byte[] {0, 0, 0}, RawBatch.varint(1 << 30), new byte[] {1, 2, 3}),
                concat(RawBatch.varint(6), new byte[] {0, 0, 0}, RawBatch.varint(-2), new byte[] {0, 0}),
                concat(RawBatch.varint(7), new byte[] {0, 0, 0, 0}, RawBatch.varint(100), new byte[] {0, 0}),
                // 2^31-1 headers; a header without a key.
                concat(RawBatch.varint(10), new byte[] {0, 0, 0, 0, 0}, RawBatch.varint(Integer.MAX_VALUE)),
                concat(RawBatch.varint(8), new byte[] {0, 0, 0, 0, 0, 2}, RawBatch.varint(-1), new byte[] {0}),
                // A varint of six bytes.
                concat(RawBatch.varint(9), new byte[] {0, 0, 0}, new byte[] {-1, -1, -1, -1, -1, 1}));
        for (byte[] lie : lies) {
            RawBatch batch = RawBatch.of(lie);
            if (type != CompressionType.NONE) {
                batch.compressed(type);
            }
            Result result = validate(batch.bytes());
            assertThat(result.outcome()).as("%s", java.util.Arrays.toString(lie)).isEqualTo(Outcome.INVALID_RECORD);
            assertThat(result.message()).startsWith("Invalid record batch: ");
        }
    }

    @Test
    void shouldRefuseBytesAfterTheLastRecordAndASecondBatch() {
        RawBatch batch = RawBatch.of(record(0, 0, bytes("k"), bytes("v")));
        batch.records = concat(batch.records, new byte[] {0, 0, 0, 0, 0, 0, 0, 0});
        assertThat(validate(batch.bytes()).message()).contains("bytes follow the last of the 1 records");
        ByteBuffer one = RawBatch.of(record(0, 0, bytes("k"), bytes("v"))).bytes();
        ByteBuffer two = ByteBuffer.allocate(one.remaining() * 2).put(one.duplicate()).put(one.duplicate()).flip();
        assertThat(validate(two).message()).contains("exactly one record batch per partition");
        ByteBuffer cut = one.duplicate().limit(one.limit() - 1);
        assertThat(validate(cut).outcome()).isEqualTo(Outcome.CORRUPT);
    }

    @Test
    void shouldRefuseWhatOnlyABrokerMayWriteOrWhatIsNotServedYet() {
        byte[] r = record(0, 0, bytes("k"), bytes("v"));
        RawBatch control = RawBatch.of(r);
        control.attributes = 0x20;
        assertThat(validate(control.bytes()).message()).contains("control batches");
        RawBatch transactional = RawBatch.of(r);
        transactional.attributes = 0x10;
        transactional.producerId = 7;
        transactional.producerEpoch = 0;
        transactional.baseSequence = 0;
        assertThat(validate(transactional.bytes()).message()).contains("transactional");
        RawBatch stamped = RawBatch.of(r);
        stamped.attributes = 0x08;
        assertThat(validate(stamped.bytes()).outcome()).isEqualTo(Outcome.INVALID_TIMESTAMP);
        RawBatch codec = RawBatch.of(r);
        codec.attributes = 5;
        assertThat(validate(codec.bytes()).message()).contains("unknown compression codec 5");
        RawBatch v1 = RawBatch.of(r);
        v1.magic = 1;
        assertThat(validate(v1.bytes()).message()).contains("magic 1");
        RawBatch offset = RawBatch.of(r);
        offset.baseOffset = 42;
        assertThat(validate(offset.bytes()).message()).contains("base offset 0, not 42");
        RawBatch sequence = RawBatch.of(r);
        sequence.producerId = 7;
        sequence.producerEpoch = 0;
        sequence.baseSequence = -5;
        assertThat(validate(sequence.bytes()).message()).contains("invalid sequence -5");
    }

    @Test
    void shouldRefuseABadChecksumAndABatchLargerThanMaxMessageBytes() {
        ByteBuffer batch = RawBatch.of(record(0, 0, bytes("k"), new byte[2_000])).bytes();
        batch.put(batch.limit() - 1, (byte) 1);
        assertThat(validate(batch).message()).contains("CRC-32C mismatch");
        LogConfig small = LogConfig.of(Map.of(LogConfig.MAX_MESSAGE_BYTES, 1_000));
        Result result = BatchValidator.validate(RawBatch.of(record(0, 0, bytes("k"), new byte[2_000])).bytes(),
                PARTITION, small, NOW);
        assertThat(result.outcome()).isEqualTo(Outcome.TOO_LARGE);
        assertThat(result.message()).contains("max.message.bytes (1000)");
    }

    @Test
    void shouldRefuseARecordWithoutAKeyOnACompactedTopicNamingTheRecord() {
        LogConfig compacted = LogConfig.of(Map.of(LogConfig.CLEANUP_POLICY, "compact"));
        ByteBuffer batch = RawBatch.of(record(0, 0, bytes("a"), bytes("1")), record(0, 1, null, bytes("2"))).bytes();
        Result result = BatchValidator.validate(batch, PARTITION, compacted, NOW);
        assertThat(result.outcome()).isEqualTo(Outcome.INVALID_RECORD);
        assertThat(result.recordIndex()).isEqualTo(1);
        assertThat(result.message()).contains("record 1: a compacted topic cannot accept a record without a key");
    }

    @Test
    void shouldRefuseTimestampsOutsideTheTopicsLimits() {
        RawBatch ahead = RawBatch.of(record(0, 0, bytes("k"), bytes("v")), record(7_200_000, 1, bytes("k"),
                bytes("v")));
        ahead.baseTimestamp = NOW;
        Result result = validate(ahead.bytes());
        assertThat(result.outcome()).isEqualTo(Outcome.INVALID_TIMESTAMP);
        assertThat(result.recordIndex()).isEqualTo(1);
        assertThat(result.message()).contains("message.timestamp.after.max.ms=3600000");
        LogConfig recentOnly = LogConfig.of(Map.of(LogConfig.MESSAGE_TIMESTAMP_BEFORE_MAX_MS, 60_000));
        RawBatch old = RawBatch.of(record(0, 0, bytes("k"), bytes("v")));
        old.baseTimestamp = NOW - 120_000;
        assertThat(BatchValidator.validate(old.bytes(), PARTITION, recentOnly, NOW).outcome())
                .isEqualTo(Outcome.INVALID_TIMESTAMP);
        LogConfig appendTime = LogConfig.of(Map.of(LogConfig.MESSAGE_TIMESTAMP_TYPE, "LogAppendTime"));
        assertThat(BatchValidator.validate(ahead.bytes(), PARTITION, appendTime, NOW).isValid())
                .as("the broker stamps the records of a LogAppendTime topic: theirs do not matter").isTrue();
    }

    @Test
    void shouldRefuseACompressedBatchThatInflatesPastItsLimitWithoutHoldingIt() {
        int valueBytes = BatchValidator.MIN_INFLATED_LIMIT + 1024;
        byte[] zeros = new byte[valueBytes];
        RawBatch bomb = RawBatch.of(record(0, 0, null, zeros)).compressed(CompressionType.ZSTD);
        assertThat(bomb.records.length).as("compressed").isLessThan(1 << 20);
        Result result = validate(bomb.bytes());
        assertThat(result.outcome()).isEqualTo(Outcome.INVALID_RECORD);
        assertThat(result.message()).contains("bytes where").contains("remain");
    }

    @Test
    void shouldRefuseBytesThatDoNotDecompressAsCorrupt() {
        RawBatch batch = RawBatch.of(record(0, 0, bytes("k"), bytes("value-value-value"))).compressed(
                CompressionType.GZIP);
        batch.records[batch.records.length / 2] ^= 0x55;
        batch.records[batch.records.length - 3] ^= 0x55;
        Result result = validate(batch.bytes());
        assertThat(result.isValid()).isFalse();
        assertThat(result.message()).contains("orders-0");
    }

    @Test
    void shouldRefuseSnappyChunksThatClaimMoreThanArrivedOrCanInflateWithoutAllocatingForThem() {
        RawBatch batch = RawBatch.of(record(0, 0, bytes("k"), bytes("value"))).compressed(CompressionType.SNAPPY);
        byte[] stream = batch.records.clone();
        ByteBuffer.wrap(batch.records).putInt(16, Integer.MAX_VALUE - 8); // the first chunk's length
        Result longChunk = validate(batch.bytes());
        assertThat(longChunk.outcome()).isEqualTo(Outcome.CORRUPT);
        assertThat(longChunk.message()).contains("Snappy chunk claims 2147483639 bytes");
        // The chunk's block says it inflates to 2^31 bytes: more than 22 times its size.
        byte[] huge = RawBatch.concat(java.util.Arrays.copyOf(stream, 20), new byte[] {-128, -128, -128, -128, 8},
                java.util.Arrays.copyOfRange(stream, 21, stream.length));
        ByteBuffer.wrap(huge).putInt(16, huge.length - 20);
        batch.records = huge;
        assertThat(validate(batch.bytes()).message()).contains("claims to inflate to 2147483648");
    }

    @Test
    void shouldHoldEmbeddedRecordsToTheSameRules() {
        LogConfig compacted = LogConfig.of(Map.of(LogConfig.CLEANUP_POLICY, "compact"));
        assertThat(BatchValidator.recordProblem(false, NOW, compacted, NOW)).contains("without a key");
        assertThat(BatchValidator.recordProblem(true, NOW + 3_600_001, CONFIG, NOW)).contains("out of range");
        assertThat(BatchValidator.recordProblem(true, NOW + 3_600_000, CONFIG, NOW)).isNull();
        assertThat(BatchValidator.recordProblem(true, 0, CONFIG, NOW)).isNull();
        assertThat(BatchValidator.recordProblem(true, RecordBatch.NO_TIMESTAMP, CONFIG, NOW)).isNull();
    }
}
