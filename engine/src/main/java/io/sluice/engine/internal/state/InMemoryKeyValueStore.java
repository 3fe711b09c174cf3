package io.sluice.engine.internal.state;

import io.sluice.engine.KeyValue;
import io.sluice.engine.KeyValueStore;
import io.sluice.engine.StoreSpec;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** A key-value store in a hash map. Range queries sort on demand: they are for queries, not the hot path. */
final class InMemoryKeyValueStore<K, V> extends LoggedStore implements KeyValueStore<K, V> {
    private final ConcurrentHashMap<Object, V> map = new ConcurrentHashMap<>();
    private final Set<Object> dirty = new HashSet<>();

    InMemoryKeyValueStore(StoreSpec spec, String applicationId, int partition) {
        super(spec, applicationId, partition);
    }

    @Override
    public V get(K key) {
        return map.get(StoreKeys.wrap(key));
    }

    @Override
    public void put(K key, V value) {
        Object k = StoreKeys.wrap(requireKey(key));
        if (value == null) {
            map.remove(k);
        } else {
            map.put(k, value);
        }
        dirty.add(k);
    }

    @Override
    public V delete(K key) {
        Object k = StoreKeys.wrap(requireKey(key));
        V old = map.remove(k);
        dirty.add(k);
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
        for (Map.Entry<Object, V> e : map.entrySet()) {
            K key = StoreKeys.unwrap(e.getKey());
            byte[] bytes = keyBytes(key);
            if (StoreKeys.compare(bytes, low) >= 0 && StoreKeys.compare(bytes, high) <= 0) {
                hits.add(Map.entry(bytes, KeyValue.of(key, e.getValue())));
            }
        }
        hits.sort((a, b) -> StoreKeys.compare(a.getKey(), b.getKey()));
        return hits.stream().map(Map.Entry::getValue).toList();
    }

    @Override
    public List<KeyValue<K, V>> all() {
        List<KeyValue<K, V>> all = new ArrayList<>(map.size());
        map.forEach((k, v) -> all.add(KeyValue.of(StoreKeys.unwrap(k), v)));
        return all;
    }

    @Override
    public long size() {
        return map.size();
    }

    @Override
    @SuppressWarnings("unchecked")
    public void restore(byte[] key, byte[] value) {
        Object k = StoreKeys.wrap(keySerde.deserialize(key));
        if (value == null) {
            map.remove(k);
        } else {
            map.put(k, (V) valueSerde.deserialize(value));
        }
    }

    @Override
    protected void flushDirty(ChangelogSink sink) {
        for (Object k : dirty) {
            sink.send(keyBytes(StoreKeys.unwrap(k)), valueBytes(map.get(k)));
        }
        dirty.clear();
    }

    @Override
    protected void clearDirty() {
        dirty.clear();
    }
}
