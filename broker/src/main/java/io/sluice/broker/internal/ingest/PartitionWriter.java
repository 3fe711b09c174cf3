package io.sluice.broker.internal.ingest;

import io.sluice.broker.Callback;
import io.sluice.broker.RecordMetadata;
import io.sluice.broker.SluiceException;
import io.sluice.broker.StorageException;
import io.sluice.broker.TopicPartition;
import io.sluice.broker.TimestampType;
import io.sluice.broker.internal.FailureCallback;
import io.sluice.broker.internal.log.LogConfig;
import io.sluice.broker.internal.log.PartitionLog;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.record.RecordBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The journal's per-partition state: the records of the current drained run, waiting to be written as one batch.
 * Owned by its shard's journal thread, except: the flusher completes the runs handed to it
 * ({@link #completeFlushed}), and any thread may {@link #markRemoved} the partition or set its append listener.
 *
 * <p>Storage failures ({@link StorageHealth}). A failed append (a full disk, typically) fails the records from the
 * write that failed on — those before it in the run were written and go on as usual — and leaves the log as it was
 * before that write. Then the partition refuses records without touching the disk until its backoff is over; the
 * next run after that is the probe, written as any run: if it goes through, the partition is healthy again.
 *
 * <p>A failed fsync is graver: Linux may have dropped the pages it was writing back, so records written since the
 * last good fsync, acknowledged or not, may not be on disk — and a later fsync of the file says nothing about them.
 * The records waiting for that fsync fail, and so do the runs queued behind it (none is made visible); the log
 * refuses appends and fsyncs, and the journal puts the partition in the failed state as it next meets it (a run, or
 * the periodic flush check). The probe then first repairs the log ({@link PartitionLog#repairAfterFlushFailure}):
 * what was written but never made visible is cut off, the segments from the recovery point are validated as after
 * a crash and their bytes written again and fsynced, which proves that fsyncs work again. Kafka instead takes the
 * log directory offline until a restart, whose recovery does the same validation.
 */
public final class PartitionWriter {
    private static final Logger log = LoggerFactory.getLogger(PartitionWriter.class);

    /** Batches are cut at this size so that readers and replicas never face a huge one. */
    public static final int MAX_BATCH_BYTES = 1 << 20;

    private static final int INITIAL_CAPACITY = 64;
    /**
     * The arrays of a partition that was never written: allocated by its first record, so that thousands of idle
     * partitions cost no run arrays (about 3 KiB each at the initial capacity).
     */
    private static final byte[][] NO_BYTES = new byte[0][];
    private static final long[] NO_LONGS = new long[0];
    private static final Header[][] NO_HEADERS = new Header[0][];
    private static final Callback[] NO_CALLBACKS = new Callback[0];
    private static final IngestEvent.Built[] NO_BUILT = new IngestEvent.Built[0];
    /** Pending arrays longer than this are dropped at the end of the run that grew them. */
    private static final int SHRINK_ABOVE = 1 << 16;

    private final PartitionLog partitionLog;
    private final TopicPartition topicPartition;
    private final JournalShard shard;
    /**
     * The run's records, copied out of the ring (whose slots are reused as soon as the run ends) into parallel
     * arrays, with their outcome once written; cleared past each run so that they keep no record alive.
     */
    private byte[][] keys = NO_BYTES;
    private byte[][] values = NO_BYTES;
    private long[] timestamps = NO_LONGS;
    private Header[][] headers = NO_HEADERS;
    private Callback[] callbacks = NO_CALLBACKS;
    private long[] offsets = NO_LONGS;
    private long[] storedTimestamps = NO_LONGS;
    /** A producer's batch, at the index of its first record; the arrays hold each of its records' outcome. */
    private IngestEvent.Built[] built = NO_BUILT;
    private int pendingCount;
    private volatile Runnable appendListener = () -> { };
    private final StorageHealth health;
    private volatile boolean removed;
    /** Runs of this partition handed to the flusher and not yet acknowledged. */
    private final AtomicInteger inFlightFlushes = new AtomicInteger();

    PartitionWriter(PartitionLog partitionLog, JournalShard shard) {
        this.partitionLog = partitionLog;
        this.topicPartition = partitionLog.topicPartition();
        this.shard = shard;
        this.health = new StorageHealth(topicPartition);
    }

    public PartitionLog log() {
        return partitionLog;
    }

    public JournalShard shard() {
        return shard;
    }

    /** Whether the partition refuses writes for now because its log could not be written or fsynced. Any thread. */
    public boolean storageFailed() {
        return health.isFailed() || partitionLog.flushFailed();
    }

    /** Records failed for a storage error since the broker started. Any thread. */
    public long recordsRefused() {
        return health.recordsRefused();
    }

    /** Called on the journal thread each time new records become readable. */
    public void setAppendListener(Runnable listener) {
        this.appendListener = listener;
    }

    boolean hasPending() {
        return pendingCount > 0;
    }

    void add(byte[] key, byte[] value, long timestamp, Header[] recordHeaders, Callback callback) {
        int i = pendingCount;
        if (i == keys.length) {
            grow(i + 1);
        }
        keys[i] = key;
        values[i] = value;
        timestamps[i] = timestamp;
        headers[i] = recordHeaders;
        callbacks[i] = callback;
        pendingCount = i + 1;
    }

    /**
     * Adds a producer's batch: it is appended as it is, with offsets assigned. It takes one slot per record told
     * of its outcome ({@link IngestEvent.Built#slots()}): the built slot holds the batch, the others the outcomes.
     */
    void add(IngestEvent.Built batch) {
        int i = pendingCount;
        int n = batch.slots();
        if (i + n > keys.length) {
            grow(i + n);
        }
        built[i] = batch;
        if (batch.timestamps() != null) {
            System.arraycopy(batch.timestamps(), 0, timestamps, i, n);
        } else {
            timestamps[i] = batch.maxTimestamp();
        }
        Arrays.fill(callbacks, i, i + n, batch.callback());
        pendingCount = i + n;
    }

    private void grow(int needed) {
        int capacity = Math.max(Math.max(INITIAL_CAPACITY, keys.length * 2),
                Integer.highestOneBit(needed - 1) << 1);
        built = Arrays.copyOf(built, capacity);
        keys = Arrays.copyOf(keys, capacity);
        values = Arrays.copyOf(values, capacity);
        timestamps = Arrays.copyOf(timestamps, capacity);
        headers = Arrays.copyOf(headers, capacity);
        callbacks = Arrays.copyOf(callbacks, capacity);
        offsets = Arrays.copyOf(offsets, capacity);
        storedTimestamps = Arrays.copyOf(storedTimestamps, capacity);
    }

    /** Ends the run: forgets its records. */
    private void clearPending() {
        int n = pendingCount;
        Arrays.fill(keys, 0, n, null);
        Arrays.fill(values, 0, n, null);
        Arrays.fill(headers, 0, n, null);
        Arrays.fill(callbacks, 0, n, null);
        Arrays.fill(built, 0, n, null);
        pendingCount = 0;
        if (keys.length > SHRINK_ABOVE) {
            // A burst grew the arrays: give the memory back rather than keep it for every partition.
            keys = new byte[INITIAL_CAPACITY][];
            values = new byte[INITIAL_CAPACITY][];
            timestamps = new long[INITIAL_CAPACITY];
            headers = new Header[INITIAL_CAPACITY][];
            callbacks = new Callback[INITIAL_CAPACITY];
            offsets = new long[INITIAL_CAPACITY];
            storedTimestamps = new long[INITIAL_CAPACITY];
            built = new IngestEvent.Built[INITIAL_CAPACITY];
        }
    }

    /** Marks the writer as removed (topic deleted): later records fail instead of being written. */
    void markRemoved() {
        removed = true;
    }

    /**
     * Encodes the pending records into RecordBatch v2 batches at the log end, cut at {@link #MAX_BATCH_BYTES} (or
     * {@code max.message.bytes} if smaller), and appends them. If an append fails, the records from that append on
     * fail with the cause and the partition refuses records until a probe succeeds; while it refuses, they fail at
     * once.
     */
    void writePending(BatchEncoder encoder, long nowMs) {
        if (removed) {
            failPending(new StorageException("Partition was removed: partition=" + partitionLog.topicPartition()));
            return;
        }
        noticeFlushFailure(nowMs);
        // A probe waits for the failed runs still with the flusher: the repair must not race their completion.
        if (health.isFailed() && (!health.mayWrite(nowMs) || inFlightFlushes.get() > 0)) {
            health.countRefused(pendingCount, nowMs);
            failPending(health.refusal());
            return;
        }
        int written = 0;
        try {
            partitionLog.repairAfterFlushFailure();
            LogConfig config = partitionLog.config();
            boolean logAppendTime = config.timestampType() == TimestampType.LOG_APPEND_TIME;
            org.apache.kafka.common.record.TimestampType type = logAppendTime
                    ? org.apache.kafka.common.record.TimestampType.LOG_APPEND_TIME
                    : org.apache.kafka.common.record.TimestampType.CREATE_TIME;
            int limit = Math.min(MAX_BATCH_BYTES, Math.max(config.maxMessageBytes(), 1));
            int size = pendingCount;
            int next = 0;
            while (next < size) {
                // One append (one write) per run of batches up to MAX_BATCH_BYTES: records encoded here and
                // producers' batches, in the order they arrived.
                long firstOffset = partitionLog.logEndOffset();
                long nextOffset = firstOffset;
                long maxTimestamp = RecordBatch.NO_TIMESTAMP;
                long offsetOfMaxTimestamp = firstOffset;
                boolean started = false;
                while (next < size && (!started || encoder.runSizeInBytes() < MAX_BATCH_BYTES)) {
                    IngestEvent.Built b = built[next];
                    if (b != null) {
                        if (!started) {
                            encoder.startRun();
                            started = true;
                        }
                        encoder.appendBuilt(b.batch(), nextOffset, logAppendTime ? nowMs : RecordBatch.NO_TIMESTAMP,
                                b.maxTimestamp());
                        int n = b.count();
                        int slots = b.slots();
                        for (int i = 0; i < slots; i++) {
                            offsets[next + i] = nextOffset + i;
                            storedTimestamps[next + i] = logAppendTime ? nowMs : timestamps[next + i];
                        }
                        long batchMax = logAppendTime ? nowMs : b.maxTimestamp();
                        if (batchMax > maxTimestamp) {
                            maxTimestamp = batchMax;
                            offsetOfMaxTimestamp = nextOffset + (logAppendTime ? n - 1 : b.maxTimestampIndex());
                        }
                        nextOffset += n;
                        next += slots;
                        continue;
                    }
                    if (!started) {
                        encoder.begin(timestamps[next]);
                        started = true;
                    } else {
                        encoder.beginAnother(timestamps[next]);
                    }
                    long baseOffset = nextOffset;
                    int first = next;
                    long batchMax = RecordBatch.NO_TIMESTAMP;
                    long offsetOfBatchMax = baseOffset;
                    while (next < size && built[next] == null) {
                        byte[] key = keys[next];
                        byte[] value = values[next];
                        Header[] recordHeaders = headers[next];
                        if (next > first && encoder.sizeInBytes()
                                + BatchEncoder.estimateSize(key, value, recordHeaders) > limit) {
                            break;
                        }
                        long offset = baseOffset + (next - first);
                        long timestamp = timestamps[next];
                        encoder.append(timestamp, key, value, recordHeaders);
                        offsets[next] = offset;
                        storedTimestamps[next] = logAppendTime ? nowMs : timestamp;
                        if (timestamp > batchMax) {
                            batchMax = timestamp;
                            offsetOfBatchMax = offset;
                        }
                        next++;
                    }
                    long lastOffset = baseOffset + (next - first) - 1;
                    if (logAppendTime) {
                        batchMax = nowMs;
                        offsetOfBatchMax = lastOffset;
                    }
                    encoder.finishBatch(baseOffset, type, batchMax);
                    if (batchMax > maxTimestamp) {
                        maxTimestamp = batchMax;
                        offsetOfMaxTimestamp = offsetOfBatchMax;
                    }
                    nextOffset = lastOffset + 1;
                }
                partitionLog.append(encoder.run(), nextOffset - 1, maxTimestamp, offsetOfMaxTimestamp,
                        (int) (nextOffset - firstOffset));
                written = next;
            }
            health.succeeded(nowMs);
        } catch (Throwable e) {
            RuntimeException error = storageError("Cannot append to log", e);
            health.failed(error, nowMs);
            health.countRefused(pendingCount - written, nowMs);
            failPendingFrom(written, error);
        }
    }

    /** What failed, as sluice says it: its own exception as it is, anything else a storage error of this partition. */
    private RuntimeException storageError(String what, Throwable e) {
        return e instanceof SluiceException se ? se : new StorageException(what + ": partition=" + topicPartition, e);
    }

    /**
     * Puts the partition in the failed state if an fsync of its log failed since it last looked — on the flusher,
     * or in the background after a roll. Journal thread.
     */
    private void noticeFlushFailure(long nowMs) {
        if (!health.isFailed() && partitionLog.flushFailed()) {
            health.failed(new StorageException("Cannot flush log: partition=" + topicPartition,
                    partitionLog.flushFailure()), nowMs);
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
        Callback[] runCallbacks = Arrays.copyOf(callbacks, n);
        long[] runOffsets = Arrays.copyOf(offsets, n);
        long[] runTimestamps = Arrays.copyOf(storedTimestamps, n);
        clearPending();
        partitionLog.resetFlushAccounting();
        inFlightFlushes.incrementAndGet();
        return new FlushStage.PartitionFlush(this, partitionLog.logEndPosition(), runCallbacks, runOffsets,
                runTimestamps);
    }

    /** Flusher thread: fsync, then make the run visible, acknowledge it and wake readers. */
    void completeFlushed(FlushStage.PartitionFlush flush) {
        try {
            RuntimeException failed = null;
            try {
                // Refused if an earlier fsync failed: this run was written after it, and proves nothing.
                partitionLog.flush();
            } catch (Throwable e) {
                failed = storageError("Cannot flush log", e);
                health.countFailedFlush(flush.callbacks().length);
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
                        if (FailureCallback.wantsSuccess(callback)) {
                            callback.onCompletion(new RecordMetadata(topicPartition, flush.offsets()[i],
                                    flush.timestamps()[i]), null);
                        }
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

    /**
     * fsyncs if the topic's flush policy asks for it now; if that fails, the run's records (written, not yet
     * visible) fail and the partition refuses records. Also where the journal notices an fsync that failed elsewhere.
     */
    void maybeFlush(long nowMs) {
        if (removed) {
            return;
        }
        noticeFlushFailure(nowMs);
        if (!health.isFailed() && partitionLog.flushDue(nowMs)) {
            try {
                partitionLog.resetFlushAccounting();
                partitionLog.flush();
            } catch (Throwable e) {
                RuntimeException error = storageError("Cannot flush log", e);
                health.failed(error, nowMs);
                health.countRefused(pendingCount, nowMs);
                failPending(error);
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
            Callback callback = callbacks[i];
            if (FailureCallback.wantsSuccess(callback)) {
                try {
                    callback.onCompletion(new RecordMetadata(topicPartition, offsets[i], storedTimestamps[i]), null);
                } catch (Throwable callbackError) {
                    log.warn("Send callback threw: partition={}", partitionLog.topicPartition(), callbackError);
                }
            }
        }
        clearPending();
        notifyReaders();
    }

    void failPending(RuntimeException error) {
        failPendingFrom(0, error);
    }

    /** Fails the run's records from index {@code from} on; those before it stay pending, to go on as written. */
    private void failPendingFrom(int from, RuntimeException error) {
        for (int i = from, n = pendingCount; i < n; i++) {
            Callback callback = callbacks[i];
            if (callback != null) {
                try {
                    callback.onCompletion(null, error);
                } catch (Throwable callbackError) {
                    log.warn("Send callback threw: partition={}", partitionLog.topicPartition(), callbackError);
                }
            }
        }
        if (from == 0) {
            clearPending();
            return;
        }
        int n = pendingCount;
        Arrays.fill(keys, from, n, null);
        Arrays.fill(values, from, n, null);
        Arrays.fill(headers, from, n, null);
        Arrays.fill(callbacks, from, n, null);
        Arrays.fill(built, from, n, null);
        pendingCount = from;
    }

    @Override
    public String toString() {
        return "PartitionWriter[" + partitionLog.topicPartition() + "]";
    }
}
