package io.sluice.broker.internal.topic;

import io.sluice.broker.TopicPartition;
import io.sluice.broker.internal.ingest.JournalShard;
import io.sluice.broker.internal.ingest.PartitionWriter;
import io.sluice.broker.internal.log.PartitionLog;
import java.util.Arrays;

/**
 * A live partition: its log, the journal shard that writes it, and the readers waiting for its next records.
 * Thread-safe.
 */
public final class Partition {

    /** Told, on the journal thread, that new records are readable. Must not block. */
    @FunctionalInterface
    public interface DataListener {
        void onData(Partition partition);
    }

    private static final DataListener[] NONE = new DataListener[0];

    private final TopicPartition topicPartition;
    private final PartitionWriter writer;
    private volatile DataListener[] listeners = NONE;

    Partition(TopicPartition topicPartition, PartitionWriter writer) {
        this.topicPartition = topicPartition;
        this.writer = writer;
        writer.setAppendListener(this::onAppend);
    }

    public TopicPartition topicPartition() {
        return topicPartition;
    }

    public PartitionLog log() {
        return writer.log();
    }

    public PartitionWriter writer() {
        return writer;
    }

    public JournalShard shard() {
        return writer.shard();
    }

    public synchronized void addListener(DataListener listener) {
        DataListener[] current = listeners;
        DataListener[] next = Arrays.copyOf(current, current.length + 1);
        next[current.length] = listener;
        listeners = next;
    }

    public synchronized void removeListener(DataListener listener) {
        DataListener[] current = listeners;
        for (int i = 0; i < current.length; i++) {
            if (current[i] == listener) {
                DataListener[] next = new DataListener[current.length - 1];
                System.arraycopy(current, 0, next, 0, i);
                System.arraycopy(current, i + 1, next, i, current.length - i - 1);
                listeners = next;
                return;
            }
        }
    }

    private void onAppend() {
        for (DataListener listener : listeners) {
            listener.onData(this);
        }
    }

    @Override
    public String toString() {
        return "Partition[" + topicPartition + "]";
    }
}
