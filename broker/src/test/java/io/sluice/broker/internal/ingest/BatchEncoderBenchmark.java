package io.sluice.broker.internal.ingest;

import java.nio.ByteBuffer;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.TimestampType;
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
 * The journal's batch encoding: {@link BatchEncoder} against kafka-clients' {@code MemoryRecordsBuilder}, which
 * produce the same bytes. Reported per record.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class BatchEncoderBenchmark {
    private static final int RECORDS = 1000;

    @Param({"100"})
    int valueSize;

    private byte[] value;
    private final BatchEncoder encoder = new BatchEncoder();
    private final ByteBuffer builderBuffer = ByteBuffer.allocate(4 << 20);
    private final Header[] headers = Record.EMPTY_HEADERS;
    private long timestamp;

    @Setup
    public void setUp() {
        value = new byte[valueSize];
        new Random(1).nextBytes(value);
        timestamp = System.currentTimeMillis();
    }

    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public MemoryRecords batchEncoder() {
        encoder.begin(timestamp);
        for (int i = 0; i < RECORDS; i++) {
            encoder.append(timestamp + i, null, value, headers);
        }
        return encoder.finish(0, TimestampType.CREATE_TIME, timestamp + RECORDS);
    }

    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public MemoryRecords memoryRecordsBuilder() {
        builderBuffer.clear();
        MemoryRecordsBuilder builder = new MemoryRecordsBuilder(builderBuffer, RecordBatch.CURRENT_MAGIC_VALUE,
                Compression.NONE, TimestampType.CREATE_TIME, 0, RecordBatch.NO_TIMESTAMP, RecordBatch.NO_PRODUCER_ID,
                RecordBatch.NO_PRODUCER_EPOCH, RecordBatch.NO_SEQUENCE, false, false,
                RecordBatch.NO_PARTITION_LEADER_EPOCH, Integer.MAX_VALUE);
        for (int i = 0; i < RECORDS; i++) {
            builder.appendWithOffset(i, timestamp + i, null, value, headers);
        }
        return builder.build();
    }
}
