package io.sluice.broker.internal.ingest;

import io.sluice.broker.TopicPartition;
import io.sluice.broker.internal.log.LogConfig;
import java.nio.ByteBuffer;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.utils.BufferSupplier;
import org.apache.kafka.storage.internals.log.LogValidator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Validating a producer's batch: {@link BatchValidator} beside Kafka's own {@code LogValidator} (which a Kafka broker
 * runs on every produced batch), on the same batch of {@value #RECORDS} records of 100-byte values and 10-byte keys
 * as Kafka's producer encodes it, for each codec. Kafka's, like ours, decompresses a compressed batch to validate
 * it, assigns its offsets in place and keeps the compressed bytes. Reported per record.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class BatchValidatorBenchmark {
    private static final int RECORDS = 160; // about 16 KiB, the Java producer's default batch.size
    private static final long NOW = 1_700_000_000_000L;
    private static final TopicPartition PARTITION = new TopicPartition("bench", 0);
    private static final LogConfig CONFIG = LogConfig.defaults();

    @Param({"none", "lz4", "zstd", "snappy", "gzip"})
    String codec;

    private ByteBuffer batch;
    private ByteBuffer copy;
    private final BufferSupplier buffers = BufferSupplier.create();

    @Setup
    public void setUp() {
        CompressionType type = CompressionType.forName(codec);
        MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(1 << 20),
                RecordBatch.CURRENT_MAGIC_VALUE, Compression.of(type).build(), TimestampType.CREATE_TIME, 0L, NOW,
                4242L, (short) 0, 0, false, RecordBatch.NO_PARTITION_LEADER_EPOCH);
        Random random = new Random(7);
        for (int i = 0; i < RECORDS; i++) {
            byte[] key = new byte[10];
            byte[] value = new byte[100];
            random.nextBytes(key);
            for (int b = 0; b < value.length; b++) {
                value[b] = (byte) ('a' + random.nextInt(26)); // text-like: it compresses somewhat
            }
            builder.append(new SimpleRecord(NOW - i, key, value));
        }
        batch = builder.build().buffer();
        copy = ByteBuffer.allocate(batch.remaining());
    }

    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public BatchValidator.Result sluice() {
        return BatchValidator.validate(batch, PARTITION, CONFIG, NOW);
    }

    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public LogValidator.ValidationResult kafka() {
        // Kafka validates in place (it sets the offsets): a fresh copy each time, as each request brings its own.
        copy.clear();
        copy.put(batch.duplicate()).flip();
        CompressionType type = CompressionType.forName(codec);
        MemoryRecords records = MemoryRecords.readableRecords(copy);
        records.firstBatch().ensureValid(); // the CRC-32C, which Kafka's log checks before LogValidator runs
        return KafkaLogValidator.validate(records, type, false, NOW, buffers);
    }

    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public ByteBuffer copyOnly() {
        copy.clear();
        copy.put(batch.duplicate()).flip();
        return copy;
    }
}
