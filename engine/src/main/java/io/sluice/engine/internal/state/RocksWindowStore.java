package io.sluice.engine.internal.state;

import io.sluice.engine.KeyValue;
import io.sluice.engine.StoreSpec;
import io.sluice.engine.WindowStore;
import io.sluice.engine.Windowed;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Windows in RocksDB under {@code [key][window start, sign bit flipped]}, so that a key's windows are adjacent and
 * ordered by start. Expiry scans the store, at most once per quarter of the retention period of stream time.
 */
final class RocksWindowStore<K, V> extends RocksStore implements WindowStore<K, V> {
    private final long sizeMs;

    RocksWindowStore(StoreSpec spec, String applicationId, int partition, Path dir) {
        super(spec, applicationId, partition, dir);
        this.sizeMs = spec.windowSizeMs();
    }

    static byte[] rocksKey(byte[] key, long start) {
        return ByteBuffer.allocate(key.length + 8).put(key).putLong(start ^ Long.MIN_VALUE).array();
    }

    @Override
    public void put(K key, V value, long windowStart) {
        if (key == null) {
            throw new IllegalArgumentException("Null key: store=" + name());
        }
        byte[] k = keyBytes(key);
        table.put(rocksKey(k, windowStart), valueBytes(value), InMemoryWindowStore.changelogKey(k, windowStart));
    }

    @Override
    @SuppressWarnings("unchecked")
    public V fetch(K key, long windowStart) {
        return (V) valueSerde.deserialize(table.get(rocksKey(keyBytes(key), windowStart)));
    }

    @Override
    @SuppressWarnings("unchecked")
    public List<KeyValue<Windowed<K>, V>> fetch(K key, long timeFrom, long timeTo) {
        List<KeyValue<Windowed<K>, V>> out = new ArrayList<>();
        if (timeFrom > timeTo) {
            return out;
        }
        byte[] k = keyBytes(key);
        byte[] end = timeTo == Long.MAX_VALUE ? RocksTable.after(k) : rocksKey(k, timeTo + 1);
        table.scan(rocksKey(k, timeFrom), end, (rk, v) -> {
            if (rk.length == k.length + 8) {
                long start = ByteBuffer.wrap(rk, k.length, 8).getLong() ^ Long.MIN_VALUE;
                out.add(KeyValue.of(Windowed.of(key, start, start + sizeMs), (V) valueSerde.deserialize(v)));
            }
        });
        return out;
    }

    @Override
    @SuppressWarnings("unchecked")
    public List<KeyValue<Windowed<K>, V>> fetchAll(long timeFrom, long timeTo) {
        List<KeyValue<Windowed<K>, V>> out = new ArrayList<>();
        table.scan(null, null, (rk, v) -> {
            long start = ByteBuffer.wrap(rk, rk.length - 8, 8).getLong() ^ Long.MIN_VALUE;
            if (start >= timeFrom && start <= timeTo) {
                K key = (K) keySerde.deserialize(Arrays.copyOf(rk, rk.length - 8));
                out.add(KeyValue.of(Windowed.of(key, start, start + sizeMs), (V) valueSerde.deserialize(v)));
            }
        });
        out.sort(Comparator.comparingLong(kv -> kv.key().window().start()));
        return out;
    }

    @Override
    public List<KeyValue<Windowed<K>, V>> all() {
        return fetchAll(Long.MIN_VALUE, Long.MAX_VALUE);
    }

    @Override
    protected void expire(long now) {
        expireByTime(now, 8, 0); // a window goes when its start is a retention period behind
    }

    @Override
    public void restore(byte[] key, byte[] value) {
        int keyLength = key.length - 8;
        long start = ByteBuffer.wrap(key, keyLength, 8).getLong();
        table.restore(rocksKey(Arrays.copyOf(key, keyLength), start), value);
    }

}
