package io.sluice.engine.internal.state;

import io.sluice.engine.KeyValue;
import io.sluice.engine.KeyValueStore;
import io.sluice.engine.StoreSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A key-value store in a hash map. Each entry carries its dirty flag, so that updating a key costs one lookup and
 * the keys to log are a plain list; a deleted key stays as an empty entry until the next flush logs its tombstone.
 * Range queries sort on demand: they are for queries, not the hot path.
 */
final class InMemoryKeyValueStore<K, V> extends LoggedStore implements KeyValueStore<K, V> {
    /** A value and whether it changed since the last flush; the value is read by query threads. */
    private static final class Entry<V> {
        volatile V value;
        boolean dirty;

        Entry(V value) {
            this.value = value;
        }
    }

    private final ConcurrentHashMap<Object, Entry<V>> map = new ConcurrentHashMap<>();
    private final List<Object> dirty = new ArrayList<>();
    private long live;
    /**
     * The entry the task's last {@code get} found, by key identity: an aggregation's read-modify-write of one key
     * then costs one hash lookup instead of two. Forgotten whenever entries leave the map. Only the task's thread
     * (the one that writes) keeps it: queries from other threads call {@code get} too.
     */
    private Object lastKey;
    private Entry<V> lastEntry;
    private Thread writer;

    InMemoryKeyValueStore(StoreSpec spec, String applicationId, int partition) {
        super(spec, applicationId, partition);
    }

    @Override
    public V get(K key) {
        Object k = StoreKeys.wrap(key);
        Entry<V> e = map.get(k);
        if (e == null) {
            return null;
        }
        if (Thread.currentThread() == writer) {
            lastKey = k;
            lastEntry = e;
        }
        return e.value;
    }

    @Override
    public void put(K key, V value) {
        Object k = StoreKeys.wrap(requireKey(key));
        writer = Thread.currentThread();
        Entry<V> e = k == lastKey ? lastEntry : map.get(k);
        if (e == null) {
            if (value == null) {
                return;
            }
            e = new Entry<>(value);
            map.put(k, e);
            live++;
        } else {
            if (e.value == null && value != null) {
                live++;
            } else if (e.value != null && value == null) {
                live--;
            }
            e.value = value;
        }
        if (!e.dirty) {
            e.dirty = true;
            dirty.add(k);
        }
    }

    @Override
    public V delete(K key) {
        V old = get(key);
        if (old != null) {
            put(key, null);
        }
        return old;
    }

    private K requireKey(K key) {
        if (key == null) {
            throw new IllegalArgumentException("Null key: store=" + name());
        }
        return key;
    }

    @Override
    public List<KeyValue<K, V>> range(K from, K to) {
        byte[] low = keyBytes(from);
        byte[] high = keyBytes(to);
        List<Map.Entry<byte[], KeyValue<K, V>>> hits = new ArrayList<>();
        for (KeyValue<K, V> kv : all()) {
            byte[] bytes = keyBytes(kv.key());
            if (StoreKeys.compare(bytes, low) >= 0 && StoreKeys.compare(bytes, high) <= 0) {
                hits.add(Map.entry(bytes, kv));
            }
        }
        hits.sort((a, b) -> StoreKeys.compare(a.getKey(), b.getKey()));
        return hits.stream().map(Map.Entry::getValue).toList();
    }

    @Override
    public List<KeyValue<K, V>> all() {
        List<KeyValue<K, V>> all = new ArrayList<>(map.size());
        map.forEach((k, e) -> {
            V v = e.value;
            if (v != null) {
                all.add(KeyValue.of(StoreKeys.unwrap(k), v));
            }
        });
        return all;
    }

    @Override
    public long size() {
        return live;
    }

    @Override
    @SuppressWarnings("unchecked")
    public void restore(byte[] key, byte[] value) {
        forgetLast();
        Object k = StoreKeys.wrap(keySerde.deserialize(key));
        if (value == null) {
            if (map.remove(k) != null) {
                live--;
            }
        } else if (map.put(k, new Entry<>((V) valueSerde.deserialize(value))) == null) {
            live++;
        }
    }

    @Override
    protected void flushDirty(ChangelogSink sink) {
        forgetLast();
        for (Object k : dirty) {
            Entry<V> e = map.get(k);
            e.dirty = false;
            V value = e.value;
            sink.send(keyBytes(StoreKeys.unwrap(k)), valueBytes(value));
            if (value == null) {
                map.remove(k);
            }
        }
        dirty.clear();
    }

    @Override
    protected void clearDirty() {
        forgetLast();
        for (Object k : dirty) {
            Entry<V> e = map.get(k);
            e.dirty = false;
            if (e.value == null) {
                map.remove(k);
            }
        }
        dirty.clear();
    }

    private void forgetLast() {
        lastKey = null;
        lastEntry = null;
    }
}
