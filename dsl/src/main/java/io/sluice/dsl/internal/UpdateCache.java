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
    /** Passes on one key's change when it leaves the cache. */
    @FunctionalInterface
    interface Emitter<K, V> {
        void emit(K key, V oldValue, V newValue, long timestamp, List<Header> headers);
    }

    /** A held key: its value before the first held update, and the latest update. */
    static final class Held<V> {
        final V oldValue;
        V newValue;
        long timestamp;
        List<Header> headers;

        Held(V oldValue, V newValue, long timestamp, List<Header> headers) {
            this.oldValue = oldValue;
            this.newValue = newValue;
            this.timestamp = timestamp;
            this.headers = headers;
        }

        /** Records a later update of the key; it keeps its place in the eviction order. */
        void update(V value, long timestamp, List<Header> headers) {
            this.newValue = value;
            this.timestamp = timestamp;
            this.headers = headers;
        }
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

    boolean isEmpty() {
        return held.isEmpty();
    }

    /** The key's held update, or null. */
    Held<V> get(K key) {
        return held.get(key);
    }

    /** Notes an update of {@code key} from {@code oldValue} to {@code newValue}; may emit the oldest held key. */
    void update(K key, V oldValue, V newValue, long timestamp, List<Header> headers, Emitter<K, V> emitter) {
        Held<V> previous = held.get(key);
        if (previous != null) {
            previous.update(newValue, timestamp, headers);
        } else {
            hold(key, oldValue, newValue, timestamp, headers, emitter);
        }
    }

    /** Holds a key that {@link #get} did not find; may emit the oldest held key. */
    void hold(K key, V oldValue, V newValue, long timestamp, List<Header> headers, Emitter<K, V> emitter) {
        held.put(key, new Held<>(oldValue, newValue, timestamp, headers));
        if (held.size() > maxRecords) {
            Iterator<Map.Entry<K, Held<V>>> oldest = held.entrySet().iterator();
            Map.Entry<K, Held<V>> e = oldest.next();
            oldest.remove();
            emit(e, emitter);
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
            emit(e, emitter);
        }
    }

    private static <K, V> void emit(Map.Entry<K, Held<V>> e, Emitter<K, V> emitter) {
        Held<V> h = e.getValue();
        emitter.emit(e.getKey(), h.oldValue, h.newValue, h.timestamp, h.headers);
    }
}
