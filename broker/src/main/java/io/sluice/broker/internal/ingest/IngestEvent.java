package io.sluice.broker.internal.ingest;

import io.sluice.broker.Callback;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.header.Header;

/**
 * A preallocated slot of the ingest ring. Producers fill it with a record for a partition; a control kind carries a
 * task to run on the journal thread, in order with the records around it.
 *
 * <p>Fields are written by one publisher before {@code publish(sequence)} and read by the journal thread after it:
 * the ring's sequence publication orders them, so they need no volatile.
 */
final class IngestEvent {
    static final int RECORD = 1;
    static final int TASK = 2;
    static final int SHUTDOWN = 3;

    int kind;
    PartitionWriter writer;
    byte[] key;
    byte[] value;
    long timestamp;
    Header[] headers;
    /** Told of the outcome, or null for {@code acks=0}. */
    Callback callback;
    Callable<?> task;
    CompletableFuture<Object> taskResult;

    // Written by the journal when the record is appended.
    long offset;
    long storedTimestamp;

    void setRecord(PartitionWriter writer, byte[] key, byte[] value, long timestamp, Header[] headers,
                   Callback callback) {
        this.kind = RECORD;
        this.writer = writer;
        this.key = key;
        this.value = value;
        this.timestamp = timestamp;
        this.headers = headers;
        this.callback = callback;
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
        this.task = task;
        this.taskResult = (CompletableFuture<Object>) result;
    }

    /** Drops the references to a record's data once it is done with, so the ring does not keep it alive. */
    void release() {
        key = null;
        value = null;
        headers = null;
        callback = null;
    }
}
