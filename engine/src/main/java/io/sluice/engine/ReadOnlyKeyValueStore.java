package io.sluice.engine;

import java.util.List;

/** Reads of a key-value store: what interactive queries see. */
public interface ReadOnlyKeyValueStore<K, V> {
    /** The value of {@code key}, or null. */
    V get(K key);

    /** Every entry whose serialized key lies in {@code [from, to]} (unsigned byte order), sorted that way. */
    List<KeyValue<K, V>> range(K from, K to);

    /** Every entry, in no particular order. */
    List<KeyValue<K, V>> all();

    /** The number of entries. */
    long size();
}
