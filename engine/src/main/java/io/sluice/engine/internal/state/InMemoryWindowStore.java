package io.sluice.engine.internal.state;

import io.sluice.engine.KeyValue;
import io.sluice.engine.StoreSpec;
import io.sluice.engine.WindowStore;
import io.sluice.engine.Windowed;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * Fixed-size windows, grouped by start time: a lookup touches only the windows in its time range, and expiry
 * drops whole start times. Changelog key layout: {@code [serialized key][window start: 8 bytes big-endian]}.
 */
final class InMemoryWindowStore<K, V> extends LoggedStore implements WindowStore<K, V> {
    private final ConcurrentSkipListMap<Long, ConcurrentHashMap<Object, V>> byStart = new ConcurrentSkipListMap<>();
    private final Set<DirtyWindow> dirty = new HashSet<>();
    private final long sizeMs;
    private final long retentionMs;

    private record DirtyWindow(Object key, long start) {
    }

    InMemoryWindowStore(StoreSpec spec, String applicationId, int partition) {
        super(spec, applicationId, partition);
        this.sizeMs = spec.windowSizeMs();
        this.retentionMs = spec.retentionMs();
    }

    @Override
    public void put(K key, V value, long windowStart) {
        if (key == null) {
            throw new IllegalArgumentException("Null key: store=" + name());
        }
        Object k = StoreKeys.wrap(key);
        if (value == null) {
            Map<Object, V> windows = byStart.get(windowStart);
            if (windows != null) {
                windows.remove(k);
            }
        } else {
            byStart.computeIfAbsent(windowStart, s -> new ConcurrentHashMap<>()).put(k, value);
        }
        dirty.add(new DirtyWindow(k, windowStart));
    }

    @Override
    public V fetch(K key, long windowStart) {
        Map<Object, V> windows = byStart.get(windowStart);
        return windows == null ? null : windows.get(StoreKeys.wrap(key));
    }

    @Override
    public List<KeyValue<Windowed<K>, V>> fetch(K key, long timeFrom, long timeTo) {
        Object k = StoreKeys.wrap(key);
        List<KeyValue<Windowed<K>, V>> result = new ArrayList<>();
        if (timeFrom > timeTo) {
            return result;
        }
        for (Map.Entry<Long, ConcurrentHashMap<Object, V>> e : byStart.subMap(timeFrom, true, timeTo, true)
                .entrySet()) {
            V v = e.getValue().get(k);
            if (v != null) {
                result.add(KeyValue.of(windowed(key, e.getKey()), v));
            }
        }
        return result;
    }

    @Override
    public List<KeyValue<Windowed<K>, V>> fetchAll(long timeFrom, long timeTo) {
        List<KeyValue<Windowed<K>, V>> result = new ArrayList<>();
        if (timeFrom > timeTo) {
            return result;
        }
        for (Map.Entry<Long, ConcurrentHashMap<Object, V>> e : byStart.subMap(timeFrom, true, timeTo, true)
                .entrySet()) {
            e.getValue().forEach((k, v) -> result.add(KeyValue.of(windowed(StoreKeys.unwrap(k), e.getKey()), v)));
        }
        return result;
    }

    @Override
    public List<KeyValue<Windowed<K>, V>> all() {
        return fetchAll(Long.MIN_VALUE, Long.MAX_VALUE);
    }

    private Windowed<K> windowed(K key, long start) {
        return Windowed.of(key, start, start + sizeMs);
    }

    @Override
    public long size() {
        return byStart.values().stream().mapToLong(Map::size).sum();
    }

    @Override
    protected void expire(long now) {
        if (now == Long.MIN_VALUE) {
            return;
        }
        // A window is kept while stream time is within the retention period of its start.
        byStart.headMap(now - retentionMs, true).clear();
    }

    @Override
    @SuppressWarnings("unchecked")
    public void restore(byte[] key, byte[] value) {
        int keyLength = key.length - Long.BYTES;
        long start = ByteBuffer.wrap(key, keyLength, Long.BYTES).getLong();
        Object k = StoreKeys.wrap(keySerde.deserialize(Arrays.copyOf(key, keyLength)));
        if (value == null) {
            Map<Object, V> windows = byStart.get(start);
            if (windows != null) {
                windows.remove(k);
            }
        } else {
            byStart.computeIfAbsent(start, s -> new ConcurrentHashMap<>()).put(k, (V) valueSerde.deserialize(value));
        }
    }

    @Override
    protected void flushDirty(ChangelogSink sink) {
        for (DirtyWindow w : dirty) {
            Map<Object, V> windows = byStart.get(w.start);
            V value = windows == null ? null : windows.get(w.key);
            if (value == null && windows == null && w.start <= streamTime() - retentionMs) {
                continue; // expired since it was written: nothing to restore
            }
            sink.send(changelogKey(keyBytes(StoreKeys.unwrap(w.key)), w.start), valueBytes(value));
        }
        dirty.clear();
    }

    static byte[] changelogKey(byte[] key, long start) {
        return ByteBuffer.allocate(key.length + Long.BYTES).put(key).putLong(start).array();
    }

    @Override
    protected void clearDirty() {
        dirty.clear();
    }
}
