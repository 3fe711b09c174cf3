package io.sluice.engine.internal.state;

import io.sluice.engine.KeyValue;
import io.sluice.engine.StoreSpec;
import io.sluice.engine.WindowStore;
import io.sluice.engine.Windowed;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * Fixed-size windows, grouped by start time: a lookup touches only the windows in its time range, and expiry
 * drops whole start times. Records mostly arrive in time order, so the last window start used is remembered and
 * new per-start maps are sized like the previous one. Each entry carries its dirty flag, and the entries to log
 * are a list: flushing needs no lookups. Changelog key layout: {@code [serialized key][window start: 8 bytes]}.
 */
final class InMemoryWindowStore<K, V> extends LoggedStore implements WindowStore<K, V> {
    /** A window's value and whether it changed since the last flush; the value is read by query threads. */
    private static final class Entry<V> {
        final Object key;
        final long start;
        volatile V value;
        boolean dirty;

        Entry(Object key, long start, V value) {
            this.key = key;
            this.start = start;
            this.value = value;
        }
    }

    private final ConcurrentSkipListMap<Long, ConcurrentHashMap<Object, Entry<V>>> byStart =
            new ConcurrentSkipListMap<>();
    private final List<Entry<V>> dirty = new ArrayList<>();
    private final long sizeMs;
    private final long retentionMs;
    private long lastStart = Long.MIN_VALUE;
    private ConcurrentHashMap<Object, Entry<V>> lastWindows;
    private int lastWindowCount = 16;

    InMemoryWindowStore(StoreSpec spec, String applicationId, int partition) {
        super(spec, applicationId, partition);
        this.sizeMs = spec.windowSizeMs();
        this.retentionMs = spec.retentionMs();
    }

    /** The windows starting at {@code start}; for the task's thread only (it caches, without synchronization). */
    private ConcurrentHashMap<Object, Entry<V>> windows(long start, boolean create) {
        if (start == lastStart && lastWindows != null) {
            return lastWindows;
        }
        ConcurrentHashMap<Object, Entry<V>> windows = byStart.get(start);
        if (windows == null) {
            if (!create) {
                return null;
            }
            windows = new ConcurrentHashMap<>(Math.max(16, lastWindowCount * 4 / 3));
            byStart.put(start, windows);
        }
        if (lastWindows != null) {
            lastWindowCount = Math.max(lastWindowCount, lastWindows.size());
        }
        lastStart = start;
        lastWindows = windows;
        return windows;
    }

    @Override
    public void put(K key, V value, long windowStart) {
        if (key == null) {
            throw new IllegalArgumentException("Null key: store=" + name());
        }
        Object k = StoreKeys.wrap(key);
        ConcurrentHashMap<Object, Entry<V>> windows = windows(windowStart, value != null);
        if (windows == null) {
            return;
        }
        Entry<V> e = windows.get(k);
        if (e == null) {
            if (value == null) {
                return;
            }
            e = new Entry<>(k, windowStart, value);
            windows.put(k, e);
        } else {
            e.value = value;
        }
        if (!e.dirty) {
            e.dirty = true;
            dirty.add(e);
        }
    }

    @Override
    public V fetch(K key, long windowStart) {
        Map<Object, Entry<V>> windows = windows(windowStart, false);
        Entry<V> e = windows == null ? null : windows.get(StoreKeys.wrap(key));
        return e == null ? null : e.value;
    }

    @Override
    public List<KeyValue<Windowed<K>, V>> fetch(K key, long timeFrom, long timeTo) {
        Object k = StoreKeys.wrap(key);
        List<KeyValue<Windowed<K>, V>> result = new ArrayList<>();
        if (timeFrom > timeTo) {
            return result;
        }
        for (Map.Entry<Long, ConcurrentHashMap<Object, Entry<V>>> w : byStart.subMap(timeFrom, true, timeTo, true)
                .entrySet()) {
            Entry<V> e = w.getValue().get(k);
            V v = e == null ? null : e.value;
            if (v != null) {
                result.add(KeyValue.of(windowed(key, w.getKey()), v));
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
        for (Map.Entry<Long, ConcurrentHashMap<Object, Entry<V>>> w : byStart.subMap(timeFrom, true, timeTo, true)
                .entrySet()) {
            w.getValue().forEach((k, e) -> {
                V v = e.value;
                if (v != null) {
                    result.add(KeyValue.of(windowed(StoreKeys.unwrap(k), w.getKey()), v));
                }
            });
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
        long n = 0;
        for (ConcurrentHashMap<Object, Entry<V>> windows : byStart.values()) {
            for (Entry<V> e : windows.values()) {
                if (e.value != null) {
                    n++;
                }
            }
        }
        return n;
    }

    @Override
    protected void expire(long now) {
        if (now == Long.MIN_VALUE) {
            return;
        }
        // A window is kept while stream time is within the retention period of its start.
        Map<Long, ?> expired = byStart.headMap(now - retentionMs, true);
        if (!expired.isEmpty()) {
            expired.clear();
            lastStart = Long.MIN_VALUE;
            lastWindows = null;
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public void restore(byte[] key, byte[] value) {
        int keyLength = key.length - Long.BYTES;
        long start = ByteBuffer.wrap(key, keyLength, Long.BYTES).getLong();
        Object k = StoreKeys.wrap(keySerde.deserialize(Arrays.copyOf(key, keyLength)));
        ConcurrentHashMap<Object, Entry<V>> windows = windows(start, value != null);
        if (windows == null) {
            return;
        }
        if (value == null) {
            windows.remove(k);
        } else {
            windows.put(k, new Entry<>(k, start, (V) valueSerde.deserialize(value)));
        }
    }

    @Override
    protected void flushDirty(ChangelogSink sink) {
        long oldestKept = streamTime() == Long.MIN_VALUE ? Long.MIN_VALUE : streamTime() - retentionMs;
        for (Entry<V> e : dirty) {
            e.dirty = false;
            if (e.start <= oldestKept) {
                continue; // expired since it was written: nothing to restore
            }
            V value = e.value;
            sink.send(changelogKey(keyBytes(StoreKeys.unwrap(e.key)), e.start), valueBytes(value));
            if (value == null) {
                ConcurrentHashMap<Object, Entry<V>> windows = byStart.get(e.start);
                if (windows != null) {
                    windows.remove(e.key, e);
                }
            }
        }
        dirty.clear();
    }

    static byte[] changelogKey(byte[] key, long start) {
        return ByteBuffer.allocate(key.length + Long.BYTES).put(key).putLong(start).array();
    }

    @Override
    protected void clearDirty() {
        for (Entry<V> e : dirty) {
            e.dirty = false;
        }
        dirty.clear();
    }
}
