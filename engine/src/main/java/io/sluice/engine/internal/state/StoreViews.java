package io.sluice.engine.internal.state;

import io.sluice.engine.KeyValue;
import io.sluice.engine.KeyValueStore;
import io.sluice.engine.ReadOnlyKeyValueStore;
import io.sluice.engine.ReadOnlySessionStore;
import io.sluice.engine.ReadOnlyWindowStore;
import io.sluice.engine.SessionStore;
import io.sluice.engine.StoreSpec;
import io.sluice.engine.WindowStore;
import io.sluice.engine.Windowed;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Read-only views over one store's instances in every local task, for interactive queries. A key lives in one
 * task, so lookups ask each instance until one answers; listings concatenate.
 */
public final class StoreViews {
    private StoreViews() {
    }

    /** A read-only view of the store described by {@code spec}; {@code instances} gives the current instances. */
    public static Object view(StoreSpec spec, Supplier<List<LoggedStore>> instances) {
        return switch (spec.kind()) {
            case KEY_VALUE -> new KeyValueView<>(instances);
            case WINDOW -> new WindowView<>(instances);
            case SESSION -> new SessionView<>(instances);
        };
    }

    private static <T, R> List<R> concat(Supplier<List<LoggedStore>> instances, Function<T, List<R>> read) {
        List<R> all = new ArrayList<>();
        for (LoggedStore store : instances.get()) {
            @SuppressWarnings("unchecked")
            T typed = (T) store;
            all.addAll(read.apply(typed));
        }
        return all;
    }

    private record KeyValueView<K, V>(Supplier<List<LoggedStore>> instances) implements ReadOnlyKeyValueStore<K, V> {
        @Override
        @SuppressWarnings("unchecked")
        public V get(K key) {
            for (LoggedStore store : instances.get()) {
                V v = ((KeyValueStore<K, V>) store).get(key);
                if (v != null) {
                    return v;
                }
            }
            return null;
        }

        @Override
        public List<KeyValue<K, V>> range(K from, K to) {
            List<LoggedStore> stores = instances.get();
            if (stores.isEmpty()) {
                return List.of();
            }
            List<KeyValue<K, V>> all = StoreViews.<KeyValueStore<K, V>, KeyValue<K, V>>concat(instances,
                    s -> s.range(from, to));
            LoggedStore first = stores.get(0);
            all.sort((a, b) -> StoreKeys.compare(first.keyBytes(a.key()), first.keyBytes(b.key())));
            return all;
        }

        @Override
        public List<KeyValue<K, V>> all() {
            return StoreViews.<KeyValueStore<K, V>, KeyValue<K, V>>concat(instances, KeyValueStore::all);
        }

        @Override
        public long size() {
            return instances.get().stream().mapToLong(LoggedStore::size).sum();
        }
    }

    private record WindowView<K, V>(Supplier<List<LoggedStore>> instances) implements ReadOnlyWindowStore<K, V> {
        @Override
        @SuppressWarnings("unchecked")
        public V fetch(K key, long windowStart) {
            // The range lookup, not fetch(key, start): the single-window lookup is the writer's fast path.
            for (LoggedStore store : instances.get()) {
                List<KeyValue<Windowed<K>, V>> hit = ((WindowStore<K, V>) store).fetch(key, windowStart, windowStart);
                if (!hit.isEmpty()) {
                    return hit.get(0).value();
                }
            }
            return null;
        }

        @Override
        public List<KeyValue<Windowed<K>, V>> fetch(K key, long timeFrom, long timeTo) {
            return byStart(StoreViews.<WindowStore<K, V>, KeyValue<Windowed<K>, V>>concat(instances,
                    s -> s.fetch(key, timeFrom, timeTo)));
        }

        @Override
        public List<KeyValue<Windowed<K>, V>> fetchAll(long timeFrom, long timeTo) {
            return byStart(StoreViews.<WindowStore<K, V>, KeyValue<Windowed<K>, V>>concat(instances,
                    s -> s.fetchAll(timeFrom, timeTo)));
        }

        @Override
        public List<KeyValue<Windowed<K>, V>> all() {
            return byStart(StoreViews.<WindowStore<K, V>, KeyValue<Windowed<K>, V>>concat(instances,
                    WindowStore::all));
        }
    }

    private record SessionView<K, V>(Supplier<List<LoggedStore>> instances) implements ReadOnlySessionStore<K, V> {
        @Override
        public List<KeyValue<Windowed<K>, V>> fetch(K key) {
            return byStart(StoreViews.<SessionStore<K, V>, KeyValue<Windowed<K>, V>>concat(instances,
                    s -> s.fetch(key)));
        }

        @Override
        public List<KeyValue<Windowed<K>, V>> findSessions(K key, long earliestEnd, long latestStart) {
            return byStart(StoreViews.<SessionStore<K, V>, KeyValue<Windowed<K>, V>>concat(instances,
                    s -> s.findSessions(key, earliestEnd, latestStart)));
        }

        @Override
        public List<KeyValue<Windowed<K>, V>> all() {
            return byStart(StoreViews.<SessionStore<K, V>, KeyValue<Windowed<K>, V>>concat(instances,
                    SessionStore::all));
        }
    }

    private static <K, V> List<KeyValue<Windowed<K>, V>> byStart(List<KeyValue<Windowed<K>, V>> list) {
        list.sort(Comparator.comparingLong(kv -> kv.key().window().start()));
        return list;
    }
}
