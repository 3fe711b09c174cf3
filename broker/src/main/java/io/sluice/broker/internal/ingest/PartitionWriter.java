package io.sluice.broker.internal.ingest;

import io.sluice.broker.Callback;
import io.sluice.broker.RecordMetadata;
import io.sluice.broker.SluiceException;
import io.sluice.broker.StorageException;
import io.sluice.broker.TopicPartition;
import io.sluice.broker.TimestampType;
import io.sluice.broker.internal.log.LogConfig;
import io.sluice.broker.internal.log.PartitionLog;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The journal's per-partition state: the records of the current drained run, waiting to be written as one batch.
 * Owned by its shard's journal thread, except: the flusher completes the runs handed to it
 * ({@link #completeFlushed}), and any thread may {@link #markRemoved} the partition or set its append listener.
 */
public final class PartitionWriter {
    private static final Logger log = LoggerFactory.getLogger(PartitionWriter.class);

    /** Batches are cut at this size so that readers and replicas never face a huge one. */
    static final int MAX_BATCH_BYTES = 1 << 20;

    private final PartitionLog partitionLog;
    private final TopicPartition topicPartition;
    private final JournalShard shard;
    /** The run's records; slots past {@code pendingCount} are stale, not cleared (they point into the ring). */
    private IngestEvent[] pending = new IngestEvent[64];
    private int pendingCount;
    private volatile Runnable appendListener = () -> { };
    /** Set by the journal, or by the flusher when an fsync fails. */
    private volatile RuntimeException failure;
    private volatile boolean removed;
    /** Runs of this partition handed to the flusher and not yet acknowledged. */
    private final AtomicInteger inFlightFlushes = new AtomicInteger();

    PartitionWriter(PartitionLog partitionLog, JournalShard shard) {
        this.partitionLog = partitionLog;
        this.topicPartition = partitionLog.topicPartition();
        this.shard = shard;
    }

    public PartitionLog log() {
        return partitionLog;
    }

    public JournalShard shard() {
        return shard;
    }

    /** Called on the journal thread each time new records become readable. */
    public void setAppendListener(Runnable listener) {
        this.appendListener = listener;
    }

    boolean hasPending() {
        return pendingCount > 0;
    }

    void add(IngestEvent event) {
        if (pendingCount == pending.length) {
            pending = Arrays.copyOf(pending, pending.length * 2);
        }
        pending[pendingCount++] = event;
    }

    /** Marks the writer as removed (topic deleted): later records fail instead of being written. */
    void markRemoved() {
        removed = true;
    }

    /**
     * Encodes the pending records into RecordBatch v2 batches at the log end, cut at {@link #MAX_BATCH_BYTES} (or
     * {@code max.message.bytes} if smaller), and appends them. On failure every pending record fails with the cause.
     */
    void writePending(BatchEncoder encoder, long nowMs) {
        if (removed) {
            failPending(new StorageException("Partition was removed: partition=" + partitionLog.topicPartition()));
            return;
        }
        if (failure != null) {
            failPending(failure);
            return;
        }
        try {
            LogConfig config = partitionLog.config();
            boolean logAppendTime = config.timestampType() == TimestampType.LOG_APPEND_TIME;
            org.apache.kafka.common.record.TimestampType type = logAppendTime
                    ? org.apache.kafka.common.record.TimestampType.LOG_APPEND_TIME
                    : org.apache.kafka.common.record.TimestampType.CREATE_TIME;
            int limit = Math.min(MAX_BATCH_BYTES, Math.max(config.maxMessageBytes(), 1));
            int size = pendingCount;
            IngestEvent[] events = pending;
            int next = 0;
            while (next < size) {
                long baseOffset = partitionLog.logEndOffset();
                int first = next;
                encoder.begin(events[first].timestamp);
                long maxTimestamp = RecordBatch.NO_TIMESTAMP;
                long offsetOfMaxTimestamp = baseOffset;
                while (next < size) {
                    IngestEvent e = events[next];
                    if (next > first && encoder.sizeInBytes()
                            + BatchEncoder.estimateSize(e.key, e.value, e.headers) > limit) {
                        break;
                    }
                    long offset = baseOffset + (next - first);
                    encoder.append(e.timestamp, e.key, e.value, e.headers);
                    e.offset = offset;
                    e.storedTimestamp = logAppendTime ? nowMs : e.timestamp;
                    if (e.timestamp > maxTimestamp) {
                        maxTimestamp = e.timestamp;
                        offsetOfMaxTimestamp = offset;
                    }
                    next++;
                }
                long lastOffset = baseOffset + (next - first) - 1;
                if (logAppendTime) {
                    maxTimestamp = nowMs;
                    offsetOfMaxTimestamp = lastOffset;
                }
                MemoryRecords batch = encoder.finish(baseOffset, type, maxTimestamp);
                partitionLog.append(batch, lastOffset, maxTimestamp, offsetOfMaxTimestamp, next - first);
            }
        } catch (Throwable e) {
            failure = e instanceof SluiceException se ? se : new StorageException(
                    "Cannot append to log: partition=" + partitionLog.topicPartition(), e);
            log.error("Partition log failed, rejecting further appends: partition={}",
                    partitionLog.topicPartition(), e);
            failPending(failure);
        }
    }

    /**
     * Whether the run's records wait for an fsync before they are acknowledged ({@code flush.messages=1}) — or
     * must follow earlier runs that do, so that acknowledgements stay in order.
     */
    boolean needsFlushStage() {
        return partitionLog.config().flushEveryBatch() || inFlightFlushes.get() > 0;
    }

    /**
     * Hands the run's written records to the flusher. Their outcomes are copied out, because the ring reuses the
     * slots as soon as the run ends. Journal thread.
     */
    FlushStage.PartitionFlush detachForFlush() {
        int n = pendingCount;
        Callback[] callbacks = new Callback[n];
        long[] offsets = new long[n];
        long[] timestamps = new long[n];
        for (int i = 0; i < n; i++) {
            IngestEvent e = pending[i];
            callbacks[i] = e.callback;
            offsets[i] = e.offset;
            timestamps[i] = e.storedTimestamp;
            e.release();
        }
        pendingCount = 0;
        partitionLog.resetFlushAccounting();
        inFlightFlushes.incrementAndGet();
        return new FlushStage.PartitionFlush(this, partitionLog.logEndPosition(), callbacks, offsets, timestamps);
    }

    /** Flusher thread: fsync, then make the run visible, acknowledge it and wake readers. */
    void completeFlushed(FlushStage.PartitionFlush flush) {
        try {
            RuntimeException failed = failure;
            if (failed == null) {
                try {
                    partitionLog.flush();
                } catch (Throwable e) {
                    failed = e instanceof SluiceException se ? se
                            : new StorageException("Cannot flush log: partition=" + topicPartition, e);
                    failure = failed;
                    log.error("Partition log flush failed, rejecting further appends: partition={}", topicPartition,
                            e);
                }
            }
            if (failed == null) {
                partitionLog.publish(flush.end());
            }
            Callback[] callbacks = flush.callbacks();
            for (int i = 0; i < callbacks.length; i++) {
                Callback callback = callbacks[i];
                if (callback == null) {
                    continue;
                }
                try {
                    if (failed == null) {
                        callback.onCompletion(new RecordMetadata(topicPartition, flush.offsets()[i],
                                flush.timestamps()[i]), null);
                    } else {
                        callback.onCompletion(null, failed);
                    }
                } catch (Throwable callbackError) {
                    log.warn("Send callback threw: partition={}", topicPartition, callbackError);
                }
            }
            if (failed == null) {
                notifyReaders();
            }
        } finally {
            inFlightFlushes.decrementAndGet();
        }
    }

    private void notifyReaders() {
        try {
            appendListener.run();
        } catch (Throwable listenerError) {
            log.warn("Append listener threw: partition={}", topicPartition, listenerError);
        }
    }

    /** fsyncs if the topic's flush policy asks for it now. */
    void maybeFlush(long nowMs) {
        if (failure == null && !removed && partitionLog.flushDue(nowMs)) {
            try {
                partitionLog.resetFlushAccounting();
                partitionLog.flush();
            } catch (Throwable e) {
                failure = e instanceof SluiceException se ? se
                        : new StorageException("Cannot flush log: partition=" + topicPartition, e);
                log.error("Partition log flush failed: partition={}", partitionLog.topicPartition(), e);
                failPending(failure);
            }
        }
    }

    /** Makes the run's records readable, acknowledges them and wakes readers. */
    void publishAndComplete() {
        if (pendingCount == 0) {
            return;
        }
        partitionLog.publish();
        for (int i = 0, n = pendingCount; i < n; i++) {
            IngestEvent e = pending[i];
            Callback callback = e.callback;
            if (callback != null) {
                try {
                    callback.onCompletion(new RecordMetadata(topicPartition, e.offset, e.storedTimestamp), null);
                } catch (Throwable callbackError) {
                    log.warn("Send callback threw: partition={}", partitionLog.topicPartition(), callbackError);
                }
            }
            e.release();
        }
        pendingCount = 0;
        notifyReaders();
    }

    void failPending(RuntimeException error) {
        for (int i = 0, n = pendingCount; i < n; i++) {
            IngestEvent e = pending[i];
            if (e.callback != null) {
                try {
                    e.callback.onCompletion(null, error);
                } catch (Throwable callbackError) {
                    log.warn("Send callback threw: partition={}", partitionLog.topicPartition(), callbackError);
                }
            }
            e.release();
        }
        pendingCount = 0;
    }

    @Override
    public String toString() {
        return "PartitionWriter[" + partitionLog.topicPartition() + "]";
    }
}
