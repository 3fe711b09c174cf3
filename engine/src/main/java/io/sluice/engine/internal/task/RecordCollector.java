package io.sluice.engine.internal.task;

import io.sluice.broker.Header;
import java.util.List;

/**
 * Where a task's output goes: sink topics, changelogs, dead letters. The runtime sends to the broker; the test
 * driver appends to in-memory topics. Used by one stream thread.
 */
public interface RecordCollector {
    /** Partition value meaning: by murmur2 of the key, as a producer would. */
    int BY_KEY = -1;

    void send(String topic, int partition, byte[] key, byte[] value, long timestamp, List<Header> headers);

    /** Passes on sends the collector may still hold; the thread calls it when it finishes a batch of input. */
    default void handOff() {
    }

    /** The partition count of {@code topic}. */
    int partitionCount(String topic);

    /** Hands off and waits until everything sent is stored; throws the first send error. */
    void flush();
}
