package io.sluice.engine.internal.state;

import io.sluice.engine.KeyValue;
import io.sluice.engine.KeyValueStore;
import io.sluice.engine.StoreSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A key-value store in RocksDB: serialized keys in bytewise order, so ranges are scans. */
final class RocksKeyValueStore<K, V> extends RocksStore implements KeyValueStore<K, V> {
    RocksKeyValueStore(StoreSpec spec, String applicationId, int partition, Path dir) {
        super(spec, applicationId, partition, dir);
    }

    @Override
    @SuppressWarnings("unchecked")
    public V get(K key) {
        return (V) valueSerde.deserialize(table.get(keyBytes(key)));
    }

    @Override
    public void put(K key, V value) {
        if (key == null) {
            throw new IllegalArgumentException("Null key: store=" + name());
        }
        byte[] k = keyBytes(key);
        table.put(k, valueBytes(value), k);
    }

    @Override
    public V delete(K key) {
        V old = get(key);
        if (old != null) {
            put(key, null);
        }
        return old;
    }

    @Override
    public List<KeyValue<K, V>> range(K from, K to) {
        byte[] to0 = keyBytes(to);
        // The smallest key after `to` itself: `to` followed by a zero byte.
        return scan(keyBytes(from), java.util.Arrays.copyOf(to0, to0.length + 1));
    }

    @Override
    public List<KeyValue<K, V>> all() {
        return scan(null, null);
    }

    @SuppressWarnings("unchecked")
    private List<KeyValue<K, V>> scan(byte[] from, byte[] to) {
        List<KeyValue<K, V>> out = new ArrayList<>();
        table.scan(from, to, (k, v) -> out.add(KeyValue.of((K) keySerde.deserialize(k),
                (V) valueSerde.deserialize(v))));
        return out;
    }

    @Override
    public void restore(byte[] key, byte[] value) {
        table.restore(key, value);
    }

}
