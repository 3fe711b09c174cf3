package io.sluice.engine.internal.state;

import io.sluice.engine.KeyValue;
import io.sluice.engine.KeyValueStore;
import io.sluice.engine.StoreSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A key-value store in a {@link FlatTable}, which marks changed entries, so that updating a key costs one lookup and
 * a flush visits only what changed; a deleted key stays as an empty entry until the flush has logged its tombstone.
 * Range queries sort on demand: they are for queries, not the hot path.
 */
final class InMemoryKeyValueStore<K, V> extends LoggedStore implements KeyValueStore<K, V> {
    private final FlatTable table = new FlatTable(16);

    InMemoryKeyValueStore(StoreSpec spec, String applicationId, int partition) {
        super(spec, applicationId, partition);
    }

    @Override
    @SuppressWarnings("unchecked")
    public V get(K key) {
        return (V) table.get(StoreKeys.wrap(key));
    }

    @Override
    public void put(K key, V value) {
        table.put(StoreKeys.wrap(requireKey(key)), value);
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
    @SuppressWarnings("unchecked")
    public List<KeyValue<K, V>> all() {
        List<KeyValue<K, V>> all = new ArrayList<>(table.size());
        table.forEach((k, v) -> all.add(KeyValue.of(StoreKeys.unwrap(k), (V) v)));
        return all;
    }

    @Override
    public long size() {
        return table.size();
    }

    @Override
    public void restore(byte[] key, byte[] value) {
        table.restore(StoreKeys.wrap(keySerde.deserialize(key)), value == null ? null : valueSerde.deserialize(value));
    }

    @Override
    protected void flushDirty(ChangelogSink sink) {
        table.drainChanges((k, v) -> sink.send(keyBytes(StoreKeys.unwrap(k)), valueBytes(v)));
    }

    @Override
    protected void clearDirty() {
        table.drainChanges(null);
    }
}
