package io.sluice.engine;

/**
 * A store of values per key and fixed-size window. Windows older than the retention period (behind the task's
 * stream time) are dropped.
 */
public interface WindowStore<K, V> extends StateStore, ReadOnlyWindowStore<K, V> {
    /** Stores {@code value} for {@code key} in the window starting at {@code windowStart}; null removes it. */
    void put(K key, V value, long windowStart);
}
