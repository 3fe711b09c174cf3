package io.sluice.broker.internal.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.broker.TopicPartition;
import io.sluice.broker.internal.log.LogConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.utils.BufferSupplier;
import org.apache.kafka.common.utils.PrimitiveRef;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.storage.internals.log.AppendOrigin;
import org.apache.kafka.storage.internals.log.LogValidator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The produce validator beside Kafka's own: batches Kafka's producer writes, mutated in their header fields, in the
 * bytes of their records (compressed ones decompressed, mutated and compressed again) and in their compressed bytes,
 * always with the CRC-32C recomputed so that they get past the outer checks. Kafka's pipeline — its produce request
 * check, its log's checks, then {@code LogValidator} — is the oracle. sluice must refuse every batch Kafka refuses;
 * every batch sluice accepts must read back whole with kafka-clients' reader, record by record at consecutive
 * offsets; and where sluice is stricter than Kafka it must be for one of the reasons listed in {@link #STRICTER}.
 */
@Timeout(120)
class BatchValidatorDifferentialTest {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(
            BatchValidatorDifferentialTest.class);
    private static final int CASES = 20_000;
    private static final TopicPartition PARTITION = new TopicPartition("orders", 0);
    private static final org.apache.kafka.common.TopicPartition KAFKA_PARTITION =
            new org.apache.kafka.common.TopicPartition("orders", 0);
    private static final long NOW = 1_700_000_000_000L;
    private static final int MAX_MESSAGE_BYTES = 1_048_588;

    /**
     * Where sluice refuses what Kafka stores: a record's offset delta not its place in the batch (Kafka stores the
     * gap, or recompresses), a batch stamped LogAppendTime by its producer (Kafka rewrites the stamp), bytes after
     * the batch (Kafka drops them), a key or value length below -1 (Kafka's reader takes it for null), and
     * transactional batches (not served yet).
     */
    private static final List<String> STRICTER = List.of("offset delta", "stamped LogAppendTime",
            "exactly one record batch", "is below -1 (null)", "transactional batches are not supported yet");

    private final Random random = new Random(2026_12_08);

    @Test
    void shouldRefuseEveryBatchKafkaRefusesAndAcceptOnlyBatchesThatReadBackWhole() throws Exception {
        List<ByteBuffer> originals = originals();
        Map<String, Integer> tally = new TreeMap<>();
        for (int i = 0; i < CASES; i++) {
            ByteBuffer original = originals.get(random.nextInt(originals.size()));
            String[] how = new String[1];
            ByteBuffer mutated = mutate(original, how);
            boolean compacted = random.nextInt(8) == 0;
            LogConfig config = compacted ? LogConfig.of(Map.of(LogConfig.CLEANUP_POLICY, "compact"))
                    : LogConfig.defaults();
            BatchValidator.Result ours = BatchValidator.validate(mutated.duplicate(), PARTITION, config, NOW);
            String kafkas = kafkaRefusal(copy(mutated), compacted);
            String verdict = (ours.isValid() ? "sluice accepts" : "sluice refuses") + ", "
                    + (kafkas == null ? "Kafka accepts" : "Kafka refuses");
            tally.merge(verdict + " (" + how[0] + ")", 1, Integer::sum);
            if (kafkas != null) {
                assertThat(ours.isValid()).as("a batch Kafka refuses (%s), mutated by %s: %s", kafkas, how[0],
                        hex(mutated)).isFalse();
            }
            if (ours.isValid()) {
                assertThat(readBackProblem(mutated, ours.records())).as("a batch sluice accepts").isNull();
            } else if (kafkas == null) {
                // Kafka stores it: then it must poison its readers, or be refused for one of the stricter reasons.
                String poison = readBackProblem(mutated, mutated.getInt(57));
                tally.merge("  of which Kafka stores " + (poison != null ? "for readers to fail on" : "whole"), 1,
                        Integer::sum);
                if (poison == null) {
                    assertThat(STRICTER).as("sluice refuses what Kafka stores, mutated by %s: %s", how[0],
                            ours.message()).anyMatch(reason -> ours.message().contains(reason));
                }
            }
        }
        tally.forEach((k, v) -> log.info("{} {}", String.format("%6d", v), k));
        assertThat(tally.keySet()).as("every kind of outcome was reached").anyMatch(k -> k.startsWith("sluice accepts"))
                .anyMatch(k -> k.startsWith("sluice refuses, Kafka refuses"));
    }

    /** Batches as Kafka's producer writes them, with every codec, with and without keys, values and headers. */
    private List<ByteBuffer> originals() {
        List<ByteBuffer> batches = new ArrayList<>();
        for (CompressionType type : CompressionType.values()) {
            for (int n = 0; n < 12; n++) {
                MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(64 * 1024),
                        RecordBatch.CURRENT_MAGIC_VALUE, Compression.of(type).build(), TimestampType.CREATE_TIME, 0L,
                        NOW, n % 2 == 0 ? RecordBatch.NO_PRODUCER_ID : 4242L, (short) 0, n * 10, false,
                        RecordBatch.NO_PARTITION_LEADER_EPOCH);
                int records = 1 + random.nextInt(12);
                for (int r = 0; r < records; r++) {
                    byte[] key = random.nextInt(4) == 0 ? null : bytes(random.nextInt(12));
                    byte[] value = random.nextInt(6) == 0 ? null : bytes(random.nextInt(80));
                    RecordHeader[] headers = new RecordHeader[random.nextInt(3)];
                    for (int h = 0; h < headers.length; h++) {
                        headers[h] = new RecordHeader("h" + h, random.nextBoolean() ? null : bytes(4));
                    }
                    builder.append(new SimpleRecord(NOW - random.nextInt(100_000), key, value, headers));
                }
                batches.add(builder.build().buffer());
            }
        }
        return batches;
    }

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    // ------------------------------------------------------------------------------------------------- mutations

    private ByteBuffer mutate(ByteBuffer original, String[] how) throws IOException {
        ByteBuffer b = copy(original);
        int codec = b.getShort(21) & 7;
        switch (random.nextInt(codec == 0 ? 4 : 5)) {
            case 0 -> {
                how[0] = "none";
                return b;
            }
            case 1 -> {
                how[0] = "header";
                return RawBatch.withCrc(mutateHeader(b));
            }
            case 2 -> {
                how[0] = "header, CRC as sent";
                return mutateHeader(b);
            }
            case 3 -> {
                how[0] = codec == 0 ? "records" : "inflated records";
                byte[] records = inflated(b, codec);
                byte[] mutated = mutateBytes(records);
                return rebuild(b, codec == 0 ? mutated : RawBatch.compress(mutated, CompressionType.forId(codec)));
            }
            default -> {
                how[0] = "compressed bytes";
                byte[] compressed = new byte[b.remaining() - RawBatch.HEADER_BYTES];
                b.get(RawBatch.HEADER_BYTES, compressed);
                return rebuild(b, mutateBytes(compressed));
            }
        }
    }

    private ByteBuffer mutateHeader(ByteBuffer b) {
        int field = random.nextInt(9);
        switch (field) {
            case 0 -> b.putInt(57, interesting(b.getInt(57)));
            case 1 -> b.putInt(23, interesting(b.getInt(23)));
            case 2 -> {
                int count = interesting(b.getInt(57));
                b.putInt(57, count).putInt(23, count - 1);
            }
            case 3 -> b.putShort(21, (short) (random.nextBoolean() ? random.nextInt(1 << 16)
                    : (b.getShort(21) & ~7) | random.nextInt(8)));
            case 4 -> b.putLong(0, random.nextBoolean() ? 0 : interesting(0));
            case 5 -> b.putInt(53, interesting(b.getInt(53)));
            case 6 -> b.putLong(35, b.getLong(35) + interesting(0));
            case 7 -> b.put(16, (byte) random.nextInt(4));
            default -> b.putInt(8, interesting(b.getInt(8)));
        }
        return b;
    }

    /** Near the value, or a boundary. */
    private int interesting(int value) {
        return switch (random.nextInt(6)) {
            case 0 -> value + 1;
            case 1 -> value - 1;
            case 2 -> Integer.MAX_VALUE;
            case 3 -> random.nextBoolean() ? 0 : -1;
            case 4 -> value + random.nextInt(1_000_000);
            default -> random.nextInt();
        };
    }

    /** One to three changes: a byte flipped or set, a varint written over, bytes cut, repeated or added. */
    private byte[] mutateBytes(byte[] bytes) {
        byte[] out = bytes;
        int changes = 1 + random.nextInt(3);
        for (int c = 0; c < changes && out.length > 0; c++) {
            int at = random.nextInt(out.length);
            switch (random.nextInt(6)) {
                case 0 -> out[at] ^= (byte) (1 << random.nextInt(8));
                case 1 -> out[at] = (byte) random.nextInt(256);
                case 2 -> {
                    byte[] varint = RawBatch.varint(interesting(random.nextInt(200)));
                    out = RawBatch.concat(java.util.Arrays.copyOf(out, at), varint,
                            java.util.Arrays.copyOfRange(out, Math.min(out.length, at + varint.length), out.length));
                }
                case 3 -> out = RawBatch.concat(java.util.Arrays.copyOf(out, at),
                        java.util.Arrays.copyOfRange(out, Math.min(out.length, at + 1 + random.nextInt(8)),
                                out.length));
                case 4 -> out = RawBatch.concat(out, java.util.Arrays.copyOfRange(out, at, out.length));
                default -> out = RawBatch.concat(java.util.Arrays.copyOf(out, at), bytes(1 + random.nextInt(6)),
                        java.util.Arrays.copyOfRange(out, at, out.length));
            }
        }
        return out;
    }

    /** The records section, decompressed. */
    private static byte[] inflated(ByteBuffer batch, int codec) throws IOException {
        ByteBuffer records = batch.duplicate().position(RawBatch.HEADER_BYTES).slice();
        if (codec == 0) {
            byte[] out = new byte[records.remaining()];
            records.get(out);
            return out;
        }
        try (InputStream in = Compression.of(CompressionType.forId(codec)).build().wrapForInput(records,
                RecordBatch.MAGIC_VALUE_V2, BufferSupplier.NO_CACHING)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            in.transferTo(out);
            return out.toByteArray();
        }
    }

    /** The header of {@code batch} over new records, its length and CRC made to match. */
    private static ByteBuffer rebuild(ByteBuffer batch, byte[] records) {
        ByteBuffer out = ByteBuffer.allocate(RawBatch.HEADER_BYTES + records.length);
        out.put(batch.duplicate().limit(batch.position() + RawBatch.HEADER_BYTES)).put(records).flip();
        out.putInt(8, out.remaining() - 12);
        return RawBatch.withCrc(out);
    }

    // ------------------------------------------------------------------------------------------------- oracles

    /**
     * Why Kafka refuses the batch, or null if it would store it: its produce request's check (one batch, magic 2),
     * its log's (base offset 0, size, CRC), then {@code LogValidator} for a CreateTime topic with Kafka 4's limits.
     */
    private static String kafkaRefusal(ByteBuffer bytes, boolean compacted) {
        try {
            MemoryRecords records = MemoryRecords.readableRecords(bytes);
            ProduceRequest.validateRecords((short) 9, records);
            int validBytes = 0;
            CompressionType source = CompressionType.NONE;
            for (MutableRecordBatch batch : records.batches()) {
                if (batch.baseOffset() != 0) {
                    throw new InvalidRecordException("base offset " + batch.baseOffset());
                }
                if (batch.sizeInBytes() > MAX_MESSAGE_BYTES) {
                    throw new RecordTooLargeException("size " + batch.sizeInBytes());
                }
                batch.ensureValid();
                source = batch.compressionType();
                validBytes += batch.sizeInBytes();
            }
            // Bytes after the last whole batch are trimmed off by Kafka's log, not refused.
            MemoryRecords trimmed = MemoryRecords.readableRecords(bytes.duplicate().limit(validBytes).slice());
            new LogValidator(trimmed, KAFKA_PARTITION, FIXED_TIME, source, Compression.of(source).build(),
                    compacted, RecordBatch.MAGIC_VALUE_V2, TimestampType.CREATE_TIME, Long.MAX_VALUE, 3_600_000L,
                    RecordBatch.NO_PARTITION_LEADER_EPOCH, AppendOrigin.CLIENT)
                    .validateMessagesAndAssignOffsets(PrimitiveRef.ofLong(0), NO_METRICS, BufferSupplier.create());
            return null;
        } catch (Throwable refused) {
            return refused.toString();
        }
    }

    /**
     * What a consumer does with a stored batch: every record read, at consecutive offsets, as many as
     * {@code count}. Null if it reads back so, else what went wrong.
     */
    private static String readBackProblem(ByteBuffer bytes, int count) {
        try {
            MutableRecordBatch batch = MemoryRecords.readableRecords(copy(bytes)).batches().iterator().next();
            batch.ensureValid();
            long expected = batch.baseOffset();
            int n = 0;
            for (Record record : batch) {
                if (record.offset() != expected++) {
                    return "record " + n + " at offset " + record.offset() + " in " + hex(bytes);
                }
                record.key();
                record.value();
                record.headers();
                n++;
            }
            return n == count && batch.lastOffset() == expected - 1 ? null : n + " records read of " + count;
        } catch (RuntimeException | Error e) {
            return e + " reading " + hex(bytes);
        }
    }

    private static ByteBuffer copy(ByteBuffer b) {
        ByteBuffer c = ByteBuffer.allocate(b.remaining());
        c.put(b.duplicate()).flip();
        return c;
    }

    private static String hex(ByteBuffer b) {
        StringBuilder s = new StringBuilder();
        ByteBuffer d = b.duplicate();
        while (d.hasRemaining() && s.length() < 600) {
            s.append(String.format("%02x", d.get()));
        }
        return s.toString();
    }

    private static final Time FIXED_TIME = new Time() {
        @Override
        public long milliseconds() {
            return NOW;
        }

        @Override
        public long nanoseconds() {
            return NOW * 1_000_000;
        }

        @Override
        public void sleep(long ms) {
        }

        @Override
        public void waitObject(Object obj, Supplier<Boolean> condition, long deadlineMs) {
        }
    };

    private static final LogValidator.MetricsRecorder NO_METRICS = new LogValidator.MetricsRecorder() {
        @Override
        public void recordInvalidMagic() {
        }

        @Override
        public void recordInvalidOffset() {
        }

        @Override
        public void recordInvalidSequence() {
        }

        @Override
        public void recordInvalidChecksums() {
        }

        @Override
        public void recordNoKeyCompactedTopic() {
        }
    };
}
