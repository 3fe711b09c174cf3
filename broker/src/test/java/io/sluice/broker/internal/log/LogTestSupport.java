package io.sluice.broker.internal.log;

import io.sluice.broker.TopicPartition;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.TimestampType;

/** Opens logs on a controllable clock and appends records the way the journal does. */
final class LogTestSupport implements AutoCloseable {
    static final TopicPartition TP = new TopicPartition("t", 0);

    final AtomicLong clock = new AtomicLong(1_700_000_000_000L);
    final ScheduledExecutorService background = Executors.newSingleThreadScheduledExecutor();
    final Path dir;

    LogTestSupport(Path root) {
        this.dir = root.resolve("t-0");
    }

    PartitionLog open(Map<String, ?> config) {
        return open(config, 0, 0, true);
    }

    PartitionLog open(Map<String, ?> config, long recoveryPoint, long logStart, boolean clean) {
        return PartitionLog.open(dir, TP, LogConfig.of(config), recoveryPoint, logStart, clean, background,
                clock::get);
    }

    /** A record to append: key and value as UTF-8, a timestamp. */
    record Rec(String key, String value, long timestamp) {
        static Rec of(String key, String value, long timestamp) {
            return new Rec(key, value, timestamp);
        }
    }

    /** Appends the records as one batch at the log end and publishes it; returns the first offset. */
    static long append(PartitionLog log, List<Rec> records) {
        long base = log.logEndOffset();
        MemoryRecordsBuilder builder = new MemoryRecordsBuilder(ByteBuffer.allocate(1024 + 200 * records.size()),
                RecordBatch.MAGIC_VALUE_V2, Compression.NONE, TimestampType.CREATE_TIME, base,
                RecordBatch.NO_TIMESTAMP, RecordBatch.NO_PRODUCER_ID, RecordBatch.NO_PRODUCER_EPOCH,
                RecordBatch.NO_SEQUENCE, false, false, RecordBatch.NO_PARTITION_LEADER_EPOCH, Integer.MAX_VALUE);
        long offset = base;
        long maxTs = -1;
        long offsetOfMax = base;
        for (Rec r : records) {
            builder.appendWithOffset(offset, r.timestamp(), bytes(r.key()), bytes(r.value()), Record.EMPTY_HEADERS);
            if (r.timestamp() > maxTs) {
                maxTs = r.timestamp();
                offsetOfMax = offset;
            }
            offset++;
        }
        MemoryRecords batch = builder.build();
        log.append(batch, offset - 1, maxTs, offsetOfMax, records.size());
        log.publish();
        return base;
    }

    static long append(PartitionLog log, String key, String value, long timestamp) {
        return append(log, List.of(Rec.of(key, value, timestamp)));
    }

    static byte[] bytes(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    /** A record as read back. */
    record Read(long offset, String key, String value, long timestamp) {
    }

    /** Reads every visible record from {@code from}. */
    static List<Read> readAll(PartitionLog log, long from) {
        List<Read> out = new ArrayList<>();
        long next = from;
        while (next < log.highWatermark()) {
            PartitionLog.ReadResult result = log.read(next, 4096);
            if (result.isEmpty()) {
                break;
            }
            for (RecordBatch batch : result.records().batches()) {
                batch.ensureValid();
                for (Record r : batch) {
                    if (r.offset() >= next) {
                        out.add(new Read(r.offset(), string(r.key()), string(r.value()), r.timestamp()));
                    }
                }
                next = Math.max(next, batch.lastOffset() + 1);
            }
        }
        return out;
    }

    static String string(ByteBuffer b) {
        if (b == null) {
            return null;
        }
        byte[] bytes = new byte[b.remaining()];
        b.duplicate().get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws InterruptedException {
        background.shutdownNow();
        background.awaitTermination(5, TimeUnit.SECONDS);
    }
}
