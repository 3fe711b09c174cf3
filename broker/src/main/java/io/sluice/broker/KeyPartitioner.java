package io.sluice.broker;

import io.sluice.broker.internal.client.Partitioner;

/**
 * The partition Kafka's default partitioner picks for a key: {@code toPositive(murmur2(key)) % partitionCount}.
 * Producers use it for every record with a key; stream jobs and test drivers use it to route as producers would.
 */
public final class KeyPartitioner {
    private KeyPartitioner() {
    }

    /** The partition of {@code key} (non-null serialized key bytes) among {@code partitionCount} partitions. */
    public static int partition(byte[] key, int partitionCount) {
        if (partitionCount <= 0) {
            throw new IllegalArgumentException("Invalid partition count: " + partitionCount);
        }
        return Partitioner.partitionForKey(key, partitionCount);
    }
}
