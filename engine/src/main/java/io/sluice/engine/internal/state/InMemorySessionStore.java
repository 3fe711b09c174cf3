package io.sluice.engine.internal.state;

import io.sluice.engine.KeyValue;
import io.sluice.engine.SessionStore;
import io.sluice.engine.StoreSpec;
import io.sluice.engine.Window;
import io.sluice.engine.Windowed;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * Sessions per key, ordered by start. Changelog key layout, as Kafka's:
 * {@code [serialized key][session end: 8 bytes][session start: 8 bytes]}, big-endian.
 */
final class InMemorySessionStore<K, V> extends LoggedStore implements SessionStore<K, V> {
    private static final Comparator<Window> BY_START = Comparator.comparingLong(Window::start)
            .thenComparingLong(Window::end);

    private final ConcurrentHashMap<Object, ConcurrentSkipListMap<Window, V>> sessions = new ConcurrentHashMap<>();
    private final Set<Windowed<Object>> dirty = new HashSet<>();
    private final long retentionMs;

    InMemorySessionStore(StoreSpec spec, String applicationId, int partition) {
        super(spec, applicationId, partition);
        this.retentionMs = spec.retentionMs();
    }

    @Override
    public void put(Windowed<K> session, V value) {
        if (value == null) {
            remove(session);
            return;
        }
        Object k = StoreKeys.wrap(session.key());
        sessions.computeIfAbsent(k, x -> new ConcurrentSkipListMap<>(BY_START)).put(session.window(), value);
        dirty.add(new Windowed<>(k, session.window()));
    }

    @Override
    public void remove(Windowed<K> session) {
        Object k = StoreKeys.wrap(session.key());
        Map<Window, V> own = sessions.get(k);
        if (own != null) {
            own.remove(session.window());
            if (own.isEmpty()) {
                sessions.remove(k);
            }
        }
        dirty.add(new Windowed<>(k, session.window()));
    }

    @Override
    public List<KeyValue<Windowed<K>, V>> fetch(K key) {
        return findSessions(key, Long.MIN_VALUE, Long.MAX_VALUE);
    }

    @Override
    public List<KeyValue<Windowed<K>, V>> findSessions(K key, long earliestEnd, long latestStart) {
        List<KeyValue<Windowed<K>, V>> result = new ArrayList<>();
        Map<Window, V> own = sessions.get(StoreKeys.wrap(key));
        if (own != null) {
            own.forEach((w, v) -> {
                if (w.end() >= earliestEnd && w.start() <= latestStart) {
                    result.add(KeyValue.of(new Windowed<>(key, w), v));
                }
            });
        }
        return result;
    }

    @Override
    public List<KeyValue<Windowed<K>, V>> all() {
        List<KeyValue<Windowed<K>, V>> result = new ArrayList<>();
        sessions.forEach((k, own) -> own.forEach((w, v) ->
                result.add(KeyValue.of(new Windowed<>(StoreKeys.unwrap(k), w), v))));
        result.sort(Comparator.comparing(kv -> kv.key().window(), BY_START));
        return result;
    }

    @Override
    public long size() {
        return sessions.values().stream().mapToLong(Map::size).sum();
    }

    @Override
    protected void expire(long now) {
        if (now == Long.MIN_VALUE) {
            return;
        }
        long oldestEnd = now - retentionMs;
        sessions.values().forEach(own -> own.keySet().removeIf(w -> w.end() < oldestEnd));
        sessions.values().removeIf(Map::isEmpty);
    }

    @Override
    @SuppressWarnings("unchecked")
    public void restore(byte[] key, byte[] value) {
        int keyLength = key.length - 2 * Long.BYTES;
        ByteBuffer times = ByteBuffer.wrap(key, keyLength, 2 * Long.BYTES);
        long end = times.getLong();
        long start = times.getLong();
        Object k = StoreKeys.wrap(keySerde.deserialize(Arrays.copyOf(key, keyLength)));
        Window w = new Window(start, end);
        if (value == null) {
            Map<Window, V> own = sessions.get(k);
            if (own != null) {
                own.remove(w);
            }
        } else {
            sessions.computeIfAbsent(k, x -> new ConcurrentSkipListMap<>(BY_START))
                    .put(w, (V) valueSerde.deserialize(value));
        }
    }

    @Override
    protected void flushDirty(ChangelogSink sink) {
        for (Windowed<Object> s : dirty) {
            Map<Window, V> own = sessions.get(s.key());
            V value = own == null ? null : own.get(s.window());
            byte[] k = keyBytes(StoreKeys.unwrap(s.key()));
            byte[] changelogKey = ByteBuffer.allocate(k.length + 2 * Long.BYTES).put(k)
                    .putLong(s.window().end()).putLong(s.window().start()).array();
            sink.send(changelogKey, valueBytes(value));
        }
        dirty.clear();
    }

    @Override
    protected void clearDirty() {
        dirty.clear();
    }
}
