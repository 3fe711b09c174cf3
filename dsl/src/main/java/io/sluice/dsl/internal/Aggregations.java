package io.sluice.dsl.internal;

import io.sluice.broker.Header;
import io.sluice.engine.KeyValue;
import io.sluice.engine.KeyValueStore;
import io.sluice.engine.Processor;
import io.sluice.engine.ProcessorContext;
import io.sluice.engine.Record;
import io.sluice.engine.SessionStore;
import io.sluice.engine.WindowStore;
import io.sluice.engine.Windowed;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.BinaryOperator;
import java.util.function.Supplier;

/**
 * Aggregating processors. Each reads and writes one store and forwards {@link Change}s of the aggregate, which
 * downstream table operators understand and {@code toStream} turns into plain values.
 */
public final class Aggregations {
    private Aggregations() {
    }

    /** Folds a grouped stream's values per key. Records with a null key or value are dropped and counted. */
    public static <K, V, A> Supplier<Processor<K, V>> stream(String store, Supplier<A> initializer,
                                                           BiFunction<A, ? super V, A> adder) {
        return () -> new KeyValueAggregation<K, V, A>(store) {
            @Override
            public void process(Record<K, V> r) {
                if (lacksKeyOrValue(r)) {
                    return;
                }
                UpdateCache.Held<A> held = held(r.key());
                A old = held != null ? held.newValue : store.get(r.key());
                A now = adder.apply(old == null ? initializer.get() : old, r.value());
                update(r, held, old, now);
            }
        };
    }

    /**
     * Counts a re-keyed stream's records per key ahead of its repartition topic, so that a key crosses the topic
     * once per commit with the number of its records instead of once per record; {@code count} adds the numbers up
     * behind the topic (a two-phase count, as Flink SQL's local-global aggregation). Keys are held as the record
     * cache holds updates: until the commit, or until {@code cacheMaxRecords} keys are held, oldest out first.
     * Without a cache, and for byte-array keys, each record crosses as (key, 1). Records with a null key or value
     * are dropped and counted, as the count would.
     */
    public static <K, V> Supplier<Processor<K, V>> countAhead() {
        return CountAhead::new;
    }

    private static final class CountAhead<K, V> extends Processors.Forwarding<K, V> {
        private UpdateCache<K, Long> held;

        @Override
        public void init(ProcessorContext processorContext) {
            super.init(processorContext);
            held = new UpdateCache<>(processorContext.cacheMaxRecords());
        }

        @Override
        public void process(Record<K, V> r) {
            if (lacksKeyOrValue(r)) {
                return;
            }
            if (!held.holds(r.key())) {
                context.forward(new Record<>(r.key(), 1L, r.timestamp(), r.headers()));
                return;
            }
            UpdateCache.Held<Long> tally = held.get(r.key());
            if (tally != null) {
                tally.update(tally.newValue + 1, r.timestamp(), r.headers());
            } else {
                held.hold(r.key(), null, 1L, r.timestamp(), r.headers(), this::emit);
            }
        }

        private void emit(K key, Long unused, Long count, long timestamp, List<Header> headers) {
            context.forward(new Record<>(key, count, timestamp, headers));
        }

        @Override
        public void flush() {
            held.flush(this::emit);
        }

        @Override
        public boolean holdsInput() {
            return !held.isEmpty();
        }
    }

    /**
     * Folds a grouped table's changes per key: the old value is subtracted, the new one added. A key whose
     * aggregate becomes null is deleted.
     */
    public static <K, V, A> Supplier<Processor<K, Change<V>>> table(String store, Supplier<A> initializer,
                                                                   BiFunction<A, ? super V, A> adder,
                                                                   BiFunction<A, ? super V, A> subtractor) {
        return () -> new KeyValueAggregation<K, Change<V>, A>(store) {
            @Override
            public void process(Record<K, Change<V>> r) {
                if (r.key() == null) {
                    context.count("dropped-null-key-or-value");
                    return;
                }
                UpdateCache.Held<A> held = held(r.key());
                A old = held != null ? held.newValue : store.get(r.key());
                A now = old == null ? initializer.get() : old;
                if (r.value().oldValue() != null) {
                    now = subtractor.apply(now, r.value().oldValue());
                }
                if (r.value().newValue() != null) {
                    now = adder.apply(now, r.value().newValue());
                }
                update(r, held, old, now);
            }
        };
    }

    /**
     * An aggregation into a key-value store whose updates may be held back until the commit. The store is always
     * current — joins and queries read it — and the cache holds only what to forward; a held key's latest
     * aggregate is read from the cache, so an update costs the cache's lookup and the store's write.
     */
    private abstract static class KeyValueAggregation<K, V, A>
            extends Processors.WithStore<K, V, KeyValueStore<K, A>> {
        private UpdateCache<K, A> cache;

        KeyValueAggregation(String store) {
            super(store);
        }

        @Override
        public void init(ProcessorContext processorContext) {
            super.init(processorContext);
            cache = new UpdateCache<>(processorContext.cacheMaxRecords());
        }

        /** The key's update held in the cache, or null. */
        UpdateCache.Held<A> held(K key) {
            return cache.holds(key) ? cache.get(key) : null;
        }

        /** Stores the key's new aggregate, and holds it in the cache or forwards it. */
        void update(Record<K, ?> r, UpdateCache.Held<A> held, A old, A now) {
            store.put(r.key(), now);
            if (held != null) {
                held.update(now, r.timestamp(), r.headers());
            } else if (cache.holds(r.key())) {
                cache.hold(r.key(), old, now, r.timestamp(), r.headers(), this::emit);
            } else {
                context.forward(r.withValue(new Change<>(old, now)));
            }
        }

        private void emit(K key, A old, A now, long timestamp, List<Header> headers) {
            context.forward(new Record<>(key, new Change<>(old, now), timestamp, headers));
        }

        @Override
        public void flush() {
            cache.flush(this::emit);
        }
    }

    /** Folds values into every fixed window containing the record; late records are dropped and counted. */
    public static <K, V, A> Supplier<Processor<K, V>> windowed(String store, io.sluice.dsl.Windows windows,
                                                             Supplier<A> initializer,
                                                             BiFunction<A, ? super V, A> adder) {
        return () -> new Processors.WithStore<K, V, WindowStore<K, A>>(store) {
            private UpdateCache<Windowed<K>, A> cache;

            @Override
            public void init(ProcessorContext processorContext) {
                super.init(processorContext);
                cache = new UpdateCache<>(processorContext.cacheMaxRecords());
            }

            private void emit(Windowed<K> key, A old, A now, long timestamp, List<Header> headers) {
                context.forward(new Record<>(key, new Change<>(old, now), timestamp, headers));
            }

            @Override
            public void flush() {
                cache.flush(this::emit);
            }

            @Override
            public void process(Record<K, V> r) {
                if (lacksKeyOrValue(r)) {
                    return;
                }
                long closeBefore = context.streamTime() - windows.graceMs();
                for (long start : windows.startsFor(r.timestamp())) {
                    long end = start + windows.sizeMs();
                    if (end <= closeBefore) {
                        context.count("dropped-late-records");
                        continue;
                    }
                    A old = store.fetch(r.key(), start);
                    A now = adder.apply(old == null ? initializer.get() : old, r.value());
                    store.put(r.key(), now, start);
                    Windowed<K> key = Windowed.of(r.key(), start, end);
                    if (cache.holds(key)) {
                        cache.update(key, old, now, r.timestamp(), r.headers(), this::emit);
                    } else {
                        context.forward(new Record<>(key, new Change<>(old, now), r.timestamp(), r.headers()));
                    }
                }
            }
        };
    }

    /**
     * Session aggregation: a record joins, and may merge, the key's sessions within the inactivity gap. Merged
     * sessions are removed (forwarded as deletions) and the merged session forwarded with the combined aggregate.
     */
    public static <K, V, A> Supplier<Processor<K, V>> session(String store, io.sluice.dsl.SessionWindows windows,
                                                            Supplier<A> initializer,
                                                            BiFunction<A, ? super V, A> adder,
                                                            BinaryOperator<A> merger) {
        return () -> new Processors.WithStore<K, V, SessionStore<K, A>>(store) {
            @Override
            public void process(Record<K, V> r) {
                if (lacksKeyOrValue(r)) {
                    return;
                }
                long t = r.timestamp();
                long start = t;
                long end = t;
                A aggregate = initializer.get();
                List<KeyValue<Windowed<K>, A>> overlapping = store.findSessions(r.key(), t - windows.gapMs(),
                        t + windows.gapMs());
                for (KeyValue<Windowed<K>, A> s : overlapping) {
                    start = Math.min(start, s.key().window().start());
                    end = Math.max(end, s.key().window().end());
                    aggregate = merger.apply(aggregate, s.value());
                }
                if (end < context.streamTime() - windows.graceMs() - windows.gapMs()) {
                    context.count("dropped-late-records");
                    return;
                }
                for (KeyValue<Windowed<K>, A> s : overlapping) {
                    store.remove(s.key());
                    context.forward(new Record<>(s.key(), new Change<>(s.value(), null), t, r.headers()));
                }
                aggregate = adder.apply(aggregate, r.value());
                Windowed<K> merged = Windowed.of(r.key(), start, end);
                store.put(merged, aggregate);
                context.forward(new Record<>(merged, new Change<>(null, aggregate), t, r.headers()));
            }
        };
    }
}
