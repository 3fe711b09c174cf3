package io.sluice.engine;

/** A key-value store; {@code put} with a null value deletes the key (and logs a tombstone). */
public interface KeyValueStore<K, V> extends StateStore, ReadOnlyKeyValueStore<K, V> {
    void put(K key, V value);

    /** Removes {@code key}; returns the value it had, or null. */
    V delete(K key);
}
