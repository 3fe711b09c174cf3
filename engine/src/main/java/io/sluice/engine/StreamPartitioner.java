package io.sluice.engine;

/** Chooses the partition a sink writes a record to, instead of murmur2 of the serialized key. */
@FunctionalInterface
public interface StreamPartitioner<K, V> {
    /** @return a partition in {@code [0, partitionCount)} */
    int partition(K key, V value, int partitionCount);
}
