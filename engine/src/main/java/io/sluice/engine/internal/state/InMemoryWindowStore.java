package io.sluice.engine.internal.state;

import io.sluice.engine.KeyValue;
import io.sluice.engine.StoreSpec;
import io.sluice.engine.WindowStore;
import io.sluice.engine.Windowed;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * Fixed-size windows, grouped by start time into one {@link FlatTable} each: a lookup touches only the windows in
 * its time range, and expiry drops whole start times. Records mostly arrive in time order, so the last start time
 * used is remembered and new tables are sized like the previous one. The tables mark changed windows, and the
 * start times with changes are listed: flushing needs no lookups. Changelog key layout: {@code [serialized key]
 * [window start: 8 bytes]}.
 */
final class InMemoryWindowStore<K, V> extends LoggedStore implements WindowStore<K, V> {
    /** The windows of one start time. */
    private record Slab(long start, FlatTable windows) {
    }

    private final ConcurrentSkipListMap<Long, Slab> byStart = new ConcurrentSkipListMap<>();
    private final List<Slab> changed = new ArrayList<>();
    private final long sizeMs;
    private final long retentionMs;
    private Slab last;
    private int lastWindowCount = 16;
    /**
     * One instance per key for the windows of all start times: a key is in many windows, and each record brings
     * its own copy. Sharing keeps the store's heap (and what young collections copy) smaller. Forgotten when it
     * outgrows {@link #SHARED_KEYS_MAX}, so that many distinct keys cost a lookup per new window, nothing more.
     */
    private final HashMap<Object, Object> sharedKeys = new HashMap<>();
    private static final int SHARED_KEYS_MAX = 1 << 16;

    InMemoryWindowStore(StoreSpec spec, String applicationId, int partition) {
        super(spec, applicationId, partition);
        this.sizeMs = spec.windowSizeMs();
        this.retentionMs = spec.retentionMs();
    }

    /** The windows starting at {@code start}; for the task's thread only (it caches, without synchronization). */
    private Slab slab(long start, boolean create) {
        if (last != null && last.start == start) {
            return last;
        }
        Slab slab = byStart.get(start);
        if (slab == null) {
            if (!create) {
                return null;
            }
            if (last != null) {
                lastWindowCount = Math.max(lastWindowCount, last.windows.size());
            }
            slab = new Slab(start, new FlatTable(lastWindowCount));
            byStart.put(start, slab);
        }
        last = slab;
        return slab;
    }

    @Override
    public void put(K key, V value, long windowStart) {
        if (key == null) {
            throw new IllegalArgumentException("Null key: store=" + name());
        }
        Slab slab = slab(windowStart, value != null);
        if (slab == null) {
            return;
        }
        FlatTable windows = slab.windows;
        boolean hadChanges = windows.hasChanges();
        Object k = StoreKeys.wrap(key);
        windows.put(k, value, this::shared);
        if (!hadChanges && windows.hasChanges()) {
            changed.add(slab);
        }
    }

    private Object shared(Object key) {
        Object shared = sharedKeys.putIfAbsent(key, key);
        if (shared != null) {
            return shared;
        }
        if (sharedKeys.size() > SHARED_KEYS_MAX) {
            sharedKeys.clear();
        }
        return key;
    }

    @Override
    @SuppressWarnings("unchecked")
    public V fetch(K key, long windowStart) {
        Slab slab = last != null && last.start == windowStart ? last : byStart.get(windowStart);
        return slab == null ? null : (V) slab.windows.get(StoreKeys.wrap(key));
    }

    @Override
    @SuppressWarnings("unchecked")
    public List<KeyValue<Windowed<K>, V>> fetch(K key, long timeFrom, long timeTo) {
        Object k = StoreKeys.wrap(key);
        List<KeyValue<Windowed<K>, V>> result = new ArrayList<>();
        if (timeFrom > timeTo) {
            return result;
        }
        for (Slab slab : byStart.subMap(timeFrom, true, timeTo, true).values()) {
            V v = (V) slab.windows.get(k);
            if (v != null) {
                result.add(KeyValue.of(windowed(key, slab.start), v));
            }
        }
        return result;
    }

    @Override
    @SuppressWarnings("unchecked")
    public List<KeyValue<Windowed<K>, V>> fetchAll(long timeFrom, long timeTo) {
        List<KeyValue<Windowed<K>, V>> result = new ArrayList<>();
        if (timeFrom > timeTo) {
            return result;
        }
        for (Slab slab : byStart.subMap(timeFrom, true, timeTo, true).values()) {
            slab.windows.forEach((k, v) -> result.add(KeyValue.of(windowed(StoreKeys.unwrap(k), slab.start),
                    (V) v)));
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
        for (Slab slab : byStart.values()) {
            n += slab.windows.size();
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
            last = null;
        }
    }

    @Override
    public void restore(byte[] key, byte[] value) {
        int keyLength = key.length - Long.BYTES;
        long start = ByteBuffer.wrap(key, keyLength, Long.BYTES).getLong();
        Object k = StoreKeys.wrap(keySerde.deserialize(Arrays.copyOf(key, keyLength)));
        Slab slab = slab(start, value != null);
        if (slab != null) {
            slab.windows.restore(k, value == null ? null : valueSerde.deserialize(value), this::shared);
        }
    }

    @Override
    protected void flushDirty(ChangelogSink sink) {
        long oldestKept = streamTime() == Long.MIN_VALUE ? Long.MIN_VALUE : streamTime() - retentionMs;
        for (Slab slab : changed) {
            // Expired since it was written: nothing to restore.
            slab.windows.drainChanges(slab.start <= oldestKept ? null
                    : (k, v) -> sink.send(changelogKey(keyBytes(StoreKeys.unwrap(k)), slab.start), valueBytes(v)));
        }
        changed.clear();
    }

    static byte[] changelogKey(byte[] key, long start) {
        return ByteBuffer.allocate(key.length + Long.BYTES).put(key).putLong(start).array();
    }

    @Override
    protected void clearDirty() {
        for (Slab slab : changed) {
            slab.windows.drainChanges(null);
        }
        changed.clear();
    }
}
