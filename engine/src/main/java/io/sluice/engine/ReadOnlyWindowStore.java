package io.sluice.engine;

import java.util.List;

/** Reads of a window store. */
public interface ReadOnlyWindowStore<K, V> {
    /** The value of {@code key} in the window starting at {@code windowStart}, or null. */
    V fetch(K key, long windowStart);

    /** The windows of {@code key} that start in {@code [timeFrom, timeTo]}, by start time. */
    List<KeyValue<Windowed<K>, V>> fetch(K key, long timeFrom, long timeTo);

    /** The windows of every key that start in {@code [timeFrom, timeTo]}, by start time. */
    List<KeyValue<Windowed<K>, V>> fetchAll(long timeFrom, long timeTo);

    /** Every window still retained. */
    List<KeyValue<Windowed<K>, V>> all();
}
