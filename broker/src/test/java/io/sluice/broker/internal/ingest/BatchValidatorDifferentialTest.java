package io.sluice.broker.internal.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.broker.TopicPartition;
import io.sluice.broker.internal.log.LogConfig;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.utils.BufferSupplier;
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
    private final BatchMutator mutator = new BatchMutator(random);

    @Test
    void shouldRefuseEveryBatchKafkaRefusesAndAcceptOnlyBatchesThatReadBackWhole() throws Exception {
        List<ByteBuffer> originals = BatchMutator.kafkaBatches(random, NOW, 12);
        Map<String, Integer> tally = new TreeMap<>();
        for (int i = 0; i < CASES; i++) {
            ByteBuffer original = originals.get(random.nextInt(originals.size()));
            String[] how = new String[1];
            ByteBuffer mutated = mutator.mutate(original, how);
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
            KafkaLogValidator.validate(trimmed, source, compacted, NOW, BufferSupplier.create());
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
}
