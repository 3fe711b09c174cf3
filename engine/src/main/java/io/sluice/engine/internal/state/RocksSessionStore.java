package io.sluice.engine.internal.state;

import io.sluice.engine.KeyValue;
import io.sluice.engine.SessionStore;
import io.sluice.engine.StoreSpec;
import io.sluice.engine.Windowed;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Sessions in RocksDB under {@code [key][end][start]} (sign bits flipped), so that a lookup seeks to the first
 * session of a key ending late enough. Changelog keys keep Kafka's {@code [key][end][start]} layout.
 */
final class RocksSessionStore<K, V> extends RocksStore implements SessionStore<K, V> {

    RocksSessionStore(StoreSpec spec, String applicationId, int partition, Path dir) {
        super(spec, applicationId, partition, dir);
    }

    private static byte[] rocksKey(byte[] key, long end, long start) {
        return ByteBuffer.allocate(key.length + 16).put(key).putLong(end ^ Long.MIN_VALUE)
                .putLong(start ^ Long.MIN_VALUE).array();
    }

    private static byte[] changelogKey(byte[] key, long end, long start) {
        return ByteBuffer.allocate(key.length + 16).put(key).putLong(end).putLong(start).array();
    }

    @Override
    public void put(Windowed<K> session, V value) {
        byte[] k = keyBytes(session.key());
        long end = session.window().end();
        long start = session.window().start();
        table.put(rocksKey(k, end, start), valueBytes(value), changelogKey(k, end, start));
    }

    @Override
    public void remove(Windowed<K> session) {
        put(session, null);
    }

    @Override
    public List<KeyValue<Windowed<K>, V>> fetch(K key) {
        return findSessions(key, Long.MIN_VALUE, Long.MAX_VALUE);
    }

    @Override
    @SuppressWarnings("unchecked")
    public List<KeyValue<Windowed<K>, V>> findSessions(K key, long earliestEnd, long latestStart) {
        byte[] k = keyBytes(key);
        List<KeyValue<Windowed<K>, V>> out = new ArrayList<>();
        table.scan(rocksKey(k, earliestEnd, Long.MIN_VALUE), RocksTable.after(k), (rk, v) -> {
            if (rk.length == k.length + 16) {
                ByteBuffer times = ByteBuffer.wrap(rk, k.length, 16);
                long end = times.getLong() ^ Long.MIN_VALUE;
                long start = times.getLong() ^ Long.MIN_VALUE;
                if (start <= latestStart) {
                    out.add(KeyValue.of(Windowed.of(key, start, end), (V) valueSerde.deserialize(v)));
                }
            }
        });
        out.sort(Comparator.comparingLong(kv -> kv.key().window().start()));
        return out;
    }

    @Override
    @SuppressWarnings("unchecked")
    public List<KeyValue<Windowed<K>, V>> all() {
        List<KeyValue<Windowed<K>, V>> out = new ArrayList<>();
        table.scan(null, null, (rk, v) -> {
            ByteBuffer times = ByteBuffer.wrap(rk, rk.length - 16, 16);
            long end = times.getLong() ^ Long.MIN_VALUE;
            long start = times.getLong() ^ Long.MIN_VALUE;
            K key = (K) keySerde.deserialize(Arrays.copyOf(rk, rk.length - 16));
            out.add(KeyValue.of(Windowed.of(key, start, end), (V) valueSerde.deserialize(v)));
        });
        out.sort(Comparator.comparingLong(kv -> kv.key().window().start()));
        return out;
    }

    @Override
    protected void expire(long now) {
        expireByTime(now, 16, 1); // a session goes when its end is more than a retention period behind
    }

    @Override
    public void restore(byte[] key, byte[] value) {
        int keyLength = key.length - 16;
        ByteBuffer times = ByteBuffer.wrap(key, keyLength, 16);
        long end = times.getLong();
        long start = times.getLong();
        table.restore(rocksKey(Arrays.copyOf(key, keyLength), end, start), value);
    }

}
