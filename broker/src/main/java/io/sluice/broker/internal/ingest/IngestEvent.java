package io.sluice.broker.internal.ingest;

import io.sluice.broker.Callback;
import io.sluice.broker.internal.WholeBatchCallback;
import java.nio.ByteBuffer;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.header.Header;

/**
 * A preallocated slot of the ingest ring. Producers fill it with a record for a partition, or with a batch of
 * records they encoded themselves (as Kafka's producers do); a control kind carries a task to run on the journal
 * thread, in order with the records around it.
 *
 * <p>Fields are written by one publisher before {@code publish(sequence)} and read by the journal thread after it:
 * the ring's sequence publication orders them, so they need no volatile.
 */
final class IngestEvent {
    static final int RECORD = 1;
    static final int TASK = 2;
    static final int SHUTDOWN = 3;
    static final int BUILT = 4;

    /**
     * A RecordBatch v2 a producer encoded (create time; its base offset is replaced), with its record count, its
     * largest timestamp and that record's index, and the callback (null for {@code acks=0}): told of each record,
     * with each one's timestamp from {@code timestamps} — or, a {@link WholeBatchCallback}, once for the batch,
     * which then takes one slot of the journal's run rather than one per record, and needs no timestamps.
     */
    record Built(ByteBuffer batch, int count, long maxTimestamp, int maxTimestampIndex, long[] timestamps,
                 Callback callback) {
        /** The journal run's slots the batch takes: one per record told of its outcome. */
        int slots() {
            return callback instanceof WholeBatchCallback ? 1 : count;
        }
    }

    int kind;
    PartitionWriter writer;
    byte[] key;
    byte[] value;
    long timestamp;
    Header[] headers;
    /** Told of the outcome, or null for {@code acks=0}. */
    Callback callback;
    Built built;
    Callable<?> task;
    CompletableFuture<Object> taskResult;

    void setRecord(PartitionWriter writer, byte[] key, byte[] value, long timestamp, Header[] headers,
                   Callback callback) {
        this.kind = RECORD;
        this.writer = writer;
        this.key = key;
        this.value = value;
        this.timestamp = timestamp;
        this.headers = headers;
        this.callback = callback;
        this.built = null;
        this.task = null;
        this.taskResult = null;
    }

    void setBuilt(PartitionWriter writer, Built built) {
        this.kind = BUILT;
        this.writer = writer;
        this.key = null;
        this.value = null;
        this.headers = null;
        this.callback = null;
        this.built = built;
        this.task = null;
        this.taskResult = null;
    }

    @SuppressWarnings("unchecked")
    void setTask(int kind, Callable<?> task, CompletableFuture<?> result) {
        this.kind = kind;
        this.writer = null;
        this.key = null;
        this.value = null;
        this.headers = null;
        this.callback = null;
        this.built = null;
        this.task = task;
        this.taskResult = (CompletableFuture<Object>) result;
    }

    /** Drops the references to records once the journal has taken them, so the ring does not keep them alive. */
    void release() {
        writer = null;
        key = null;
        value = null;
        headers = null;
        callback = null;
        built = null;
    }
}
