package io.sluice.broker.internal.log;

import io.sluice.broker.CorruptLogException;
import io.sluice.broker.StorageException;
import io.sluice.broker.TopicPartition;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import org.apache.kafka.common.record.FileLogInputStream.FileChannelRecordBatch;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecords.FilterResult;
import org.apache.kafka.common.record.MemoryRecords.RecordFilter;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.utils.BufferSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compaction for {@code cleanup.policy=compact}: keeps the latest record per key and drops tombstones
 * {@code delete.retention.ms} after compaction first saw them (Kafka's delete horizon, stored in the batch header).
 *
 * <p>Two passes, as Kafka's log cleaner: the first maps every key in the dirty part of the log (written since the
 * last compaction) to its latest offset; the second rewrites each cleanable segment without the records the map
 * supersedes, keeping offsets and batch boundaries ({@link MemoryRecords#filterTo}). Only segments that stopped
 * growing, lie below the high watermark and are older than {@code min.compaction.lag.ms} are cleanable.
 *
 * <p>Threading: the passes read immutable segments and may run on any thread; each swap of a cleaned segment into
 * the log runs through {@code onWriterThread}, because the log has a single writer.
 */
public final class LogCompactor {
    private static final Logger log = LoggerFactory.getLogger(LogCompactor.class);

    /** Runs a task on the log's writer thread and returns its result. */
    @FunctionalInterface
    public interface WriterThread {
        <T> T call(Callable<T> task) throws Exception;
    }

    /** What a compaction did. */
    public record Result(int segmentsCleaned, long recordsRead, long recordsRemoved, long bytesBefore,
                         long bytesAfter) {
        static final Result NOTHING = new Result(0, 0, 0, 0, 0);
    }

    private final Map<PartitionLog, Long> firstDirtyOffsets = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<PartitionLog, Long> deleteHorizons = new java.util.concurrent.ConcurrentHashMap<>();
    /**
     * Logs in which compaction met a corrupt batch: left as they are, so that nothing in them is rewritten or
     * dropped by a pass that could not read them, until the broker restarts (as Kafka's cleaner marks a partition
     * uncleanable).
     */
    private final java.util.Set<PartitionLog> uncleanable = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final long maxMapEntries;

    /** @param maxMapEntries how many distinct keys one pass may map; the dirty section is cut to fit */
    public LogCompactor(long maxMapEntries) {
        this.maxMapEntries = maxMapEntries;
    }

    /** Whether the log is due: enough dirty bytes, or a tombstone's delete horizon has passed. */
    public boolean isDue(PartitionLog partitionLog, long nowMs) {
        LogConfig config = partitionLog.config();
        if (!config.compact() || uncleanable.contains(partitionLog)) {
            return false;
        }
        List<LogSegment> cleanable = cleanableSegments(partitionLog, nowMs);
        if (cleanable.isEmpty()) {
            return false;
        }
        Long horizon = deleteHorizons.get(partitionLog);
        if (horizon != null && horizon <= nowMs) {
            return true;
        }
        long firstDirty = firstDirtyOffsets.getOrDefault(partitionLog, partitionLog.logStartOffset());
        long clean = 0;
        long dirty = 0;
        for (LogSegment segment : cleanable) {
            if (segment.baseOffset < firstDirty) {
                clean += segment.sizeInBytes();
            } else {
                dirty += segment.sizeInBytes();
            }
        }
        return dirty > 0 && (double) dirty / (clean + dirty) >= config.minCleanableDirtyRatio();
    }

    /** Forgets what it knew about logs not in {@code live} (closed, or deleted with their topic). */
    public void retainOnly(java.util.Collection<PartitionLog> live) {
        java.util.Set<PartitionLog> keep = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        keep.addAll(live);
        firstDirtyOffsets.keySet().retainAll(keep);
        deleteHorizons.keySet().retainAll(keep);
        uncleanable.retainAll(keep);
    }

    /** Compacts the cleanable part of the log now. */
    public Result compact(PartitionLog partitionLog, long nowMs, WriterThread writer) {
        LogConfig config = partitionLog.config();
        List<LogSegment> cleanable = cleanableSegments(partitionLog, nowMs);
        if (!config.compact() || cleanable.isEmpty() || uncleanable.contains(partitionLog)) {
            return Result.NOTHING;
        }
        long firstDirty = firstDirtyOffsets.getOrDefault(partitionLog, partitionLog.logStartOffset());
        try {
            KeyMap latest = new KeyMap();
            long endOfMapped = mapLatestOffsets(partitionLog.topicPartition(), cleanable, firstDirty, latest);
            if (endOfMapped <= firstDirty && !deleteHorizonPassed(partitionLog, nowMs)) {
                return Result.NOTHING;
            }
            long recordsRead = 0;
            long recordsRemoved = 0;
            long before = 0;
            long after = 0;
            int cleaned = 0;
            long nextHorizon = Long.MAX_VALUE;
            for (LogSegment segment : cleanable) {
                if (segment.baseOffset >= endOfMapped) {
                    break;
                }
                Filter filter = new Filter(latest, nowMs, config.deleteRetentionMs());
                Path cleanedFile = LogFiles.withSuffix(LogFiles.logFile(partitionLog.dir(), segment.baseOffset),
                        LogFiles.CLEANED);
                long[] counts = writeCleanedCopy(partitionLog.topicPartition(), segment, filter, cleanedFile);
                recordsRead += counts[0];
                recordsRemoved += counts[0] - counts[1];
                before += segment.sizeInBytes();
                after += counts[2];
                nextHorizon = Math.min(nextHorizon, filter.earliestHorizon);
                boolean swapped = writer.call(() -> partitionLog.replaceSegment(segment, cleanedFile));
                if (swapped) {
                    cleaned++;
                }
            }
            firstDirtyOffsets.put(partitionLog, endOfMapped);
            if (nextHorizon == Long.MAX_VALUE) {
                deleteHorizons.remove(partitionLog);
            } else {
                deleteHorizons.put(partitionLog, nextHorizon);
            }
            Result result = new Result(cleaned, recordsRead, recordsRemoved, before, after);
            log.info("Compacted log: partition={}, segments={}, recordsRemoved={}, bytes {} -> {}",
                    partitionLog.topicPartition(), cleaned, recordsRemoved, before, after);
            return result;
        } catch (CorruptLogException e) {
            uncleanable.add(partitionLog);
            log.error("Corrupt batch found by compaction, the log is left uncompacted until restart: partition={}, "
                    + "file={}, position={}, offset={}", partitionLog.topicPartition(), e.file(), e.position(),
                    e.offset(), e);
            return Result.NOTHING;
        } catch (IOException e) {
            throw new StorageException("Compaction failed: partition=" + partitionLog.topicPartition(), e);
        } catch (StorageException e) {
            throw e;
        } catch (Exception e) {
            throw new StorageException("Compaction failed: partition=" + partitionLog.topicPartition(), e);
        }
    }

    private boolean deleteHorizonPassed(PartitionLog partitionLog, long nowMs) {
        Long horizon = deleteHorizons.get(partitionLog);
        return horizon != null && horizon <= nowMs;
    }

    /** Inactive segments wholly below the high watermark and older than min.compaction.lag.ms, oldest first. */
    private static List<LogSegment> cleanableSegments(PartitionLog partitionLog, long nowMs) {
        LogConfig config = partitionLog.config();
        List<LogSegment> all = partitionLog.segments();
        LogSegment active = partitionLog.activeSegment();
        long highWatermark = partitionLog.highWatermark();
        List<LogSegment> cleanable = new ArrayList<>();
        for (int i = 0; i < all.size() - 1; i++) {
            LogSegment segment = all.get(i);
            long end = all.get(i + 1).baseOffset;
            if (segment == active || end > highWatermark) {
                break;
            }
            if (config.minCompactionLagMs() > 0 && segment.maxTimestamp() > nowMs - config.minCompactionLagMs()) {
                break;
            }
            cleanable.add(segment);
        }
        return cleanable;
    }

    /**
     * Maps each key in the dirty segments to its latest offset, stopping at a segment boundary if the map would
     * outgrow its bound. Returns the offset up to which keys were mapped.
     */
    private long mapLatestOffsets(TopicPartition tp, List<LogSegment> cleanable, long firstDirty, KeyMap latest) {
        long mappedUpTo = firstDirty;
        for (int i = 0; i < cleanable.size(); i++) {
            LogSegment segment = cleanable.get(i);
            long segmentEnd = i + 1 < cleanable.size() ? cleanable.get(i + 1).baseOffset : Long.MAX_VALUE;
            if (segmentEnd != Long.MAX_VALUE && segmentEnd <= firstDirty) {
                continue;
            }
            if (latest.size() >= maxMapEntries) {
                break;
            }
            long last = mappedUpTo;
            for (FileChannelRecordBatch batch : StoredBatches.batches(tp, segment.readAll(), 0, segment.baseOffset)) {
                StoredBatches.forEachRecord(tp, segment.file(), batch, record -> {
                    if (record.offset() >= firstDirty && record.hasKey()) {
                        latest.put(record.key(), record.offset());
                    }
                });
                last = batch.lastOffset() + 1;
            }
            mappedUpTo = Math.max(mappedUpTo, segmentEnd == Long.MAX_VALUE ? last : segmentEnd);
        }
        return mappedUpTo;
    }

    /** Writes the retained batches of {@code segment} to {@code target}; returns {read, retained, bytes}. */
    private static long[] writeCleanedCopy(TopicPartition tp, LogSegment segment, Filter filter, Path target)
            throws IOException {
        long read = 0;
        long retained = 0;
        long bytes = 0;
        ByteBuffer in = ByteBuffer.allocate(64 * 1024);
        ByteBuffer out = ByteBuffer.allocate(128 * 1024);
        try (FileChannel channel = FileChannel.open(target, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            for (FileChannelRecordBatch batch : StoredBatches.batches(tp, segment.readAll(), 0, segment.baseOffset)) {
                int size = batch.sizeInBytes();
                if (in.capacity() < size) {
                    in = ByteBuffer.allocate(size);
                }
                if (out.capacity() < 2 * size + 1024) {
                    out = ByteBuffer.allocate(2 * size + 1024);
                }
                in.clear();
                batch.writeTo(in);
                in.flip();
                out.clear();
                FilterResult result;
                try {
                    result = MemoryRecords.readableRecords(in).filterTo(filter, out, BufferSupplier.NO_CACHING);
                } catch (Throwable t) {
                    throw StoredBatches.corruptOrRethrow(t, tp, segment.file(), batch.position(), batch.baseOffset());
                }
                read += result.messagesRead();
                retained += result.messagesRetained();
                ByteBuffer filtered = result.outputBuffer();
                filtered.flip();
                bytes += filtered.remaining();
                while (filtered.hasRemaining()) {
                    channel.write(filtered);
                }
            }
            channel.force(true);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(target);
            throw e;
        }
        return new long[] {read, retained, bytes};
    }

    /** Keeps a record unless a later record has its key, or it is a tombstone past its delete horizon. */
    private static final class Filter extends RecordFilter {
        private final KeyMap latest;
        long earliestHorizon = Long.MAX_VALUE;

        Filter(KeyMap latest, long nowMs, long deleteRetentionMs) {
            super(nowMs, deleteRetentionMs);
            this.latest = latest;
        }

        @Override
        protected BatchRetentionResult checkBatchRetention(RecordBatch batch) {
            return new BatchRetentionResult(BatchRetention.DELETE_EMPTY, false);
        }

        @Override
        protected boolean shouldRetainRecord(RecordBatch batch, Record record) {
            if (!record.hasKey()) {
                return false;
            }
            long latestOffset = latest.get(record.key());
            if (latestOffset > record.offset()) {
                return false;
            }
            if (!record.hasValue()) {
                OptionalLong horizon = batch.deleteHorizonMs();
                long due = horizon.orElse(currentTime + deleteRetentionMs);
                if (horizon.isPresent() && due <= currentTime) {
                    return false;
                }
                earliestHorizon = Math.min(earliestHorizon, due);
            }
            return true;
        }
    }

    /** Key bytes to their latest offset. */
    private static final class KeyMap {
        private final Map<ByteBuffer, Long> offsets = new HashMap<>();

        void put(ByteBuffer key, long offset) {
            ByteBuffer copy = ByteBuffer.allocate(key.remaining());
            copy.put(key.duplicate()).flip();
            offsets.put(copy, offset);
        }

        long get(ByteBuffer key) {
            Long offset = offsets.get(key);
            return offset == null ? -1 : offset;
        }

        long size() {
            return offsets.size();
        }
    }

}
