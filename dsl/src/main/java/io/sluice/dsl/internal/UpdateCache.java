package io.sluice.dsl.internal;

import io.sluice.broker.Header;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Holds back an aggregation's updates until the next commit (or until it holds {@code maxRecords} keys, when the
 * oldest goes first), so that a key updated many times between commits is forwarded once: with its value before
 * the first held update and its latest one. Kafka Streams' record cache, counted in records. Used by one task.
 */
final class UpdateCache<K, V> {
    /** Forwards one key's change: the store gives the latest value. */
    @FunctionalInterface
    interface Emitter<K, V> {
        void emit(K key, V oldValue, long timestamp, List<Header> headers);
    }

    private record Held<V>(V oldValue, long timestamp, List<Header> headers) {
    }

    private final long maxRecords;
    private final LinkedHashMap<K, Held<V>> held = new LinkedHashMap<>();

    UpdateCache(long maxRecords) {
        this.maxRecords = maxRecords;
    }

    /** Whether updates of {@code key} are held back; byte-array keys are not (they have no value equality). */
    boolean holds(K key) {
        return maxRecords > 0 && !(key instanceof byte[]);
    }

    /** Notes an update of {@code key}, whose value was {@code oldValue} before it; may emit the oldest held key. */
    void update(K key, V oldValue, long timestamp, List<Header> headers, Emitter<K, V> emitter) {
        Held<V> previous = held.get(key);
        held.put(key, new Held<>(previous == null ? oldValue : previous.oldValue(), timestamp, headers));
        if (held.size() > maxRecords) {
            Iterator<Map.Entry<K, Held<V>>> oldest = held.entrySet().iterator();
            Map.Entry<K, Held<V>> e = oldest.next();
            oldest.remove();
            emitter.emit(e.getKey(), e.getValue().oldValue(), e.getValue().timestamp(), e.getValue().headers());
        }
    }

    /** Emits every held key, oldest first, and forgets them. */
    void flush(Emitter<K, V> emitter) {
        if (held.isEmpty()) {
            return;
        }
        List<Map.Entry<K, Held<V>>> entries = List.copyOf(held.entrySet());
        held.clear();
        for (Map.Entry<K, Held<V>> e : entries) {
            emitter.emit(e.getKey(), e.getValue().oldValue(), e.getValue().timestamp(), e.getValue().headers());
        }
    }
}
