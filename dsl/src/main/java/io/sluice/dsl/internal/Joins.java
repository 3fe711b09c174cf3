package io.sluice.dsl.internal;

import io.sluice.engine.KeyValueStore;
import io.sluice.engine.Processor;
import io.sluice.engine.Record;
import java.util.function.BiFunction;
import java.util.function.Supplier;

/** Table materialization and the joins against tables. */
public final class Joins {
    private Joins() {
    }

    /**
     * Materializes a table from a topic: each record upserts its key (a null value deletes it) and the change is
     * forwarded. Records without a key are dropped and counted.
     */
    public static <K, V> Supplier<Processor<K, V>> tableSource(String store) {
        return () -> new Processors.WithStore<K, V, KeyValueStore<K, V>>(store) {
            @Override
            public void process(Record<K, V> r) {
                if (r.key() == null) {
                    context.count("dropped-null-key-or-value");
                    return;
                }
                V old = store.get(r.key());
                store.put(r.key(), r.value());
                if (old != null || r.value() != null) {
                    context.forward(r.withValue(new Change<>(old, r.value())));
                }
            }
        };
    }

    /** Materializes a table that is derived from another (filter, mapValues) so it can be joined and queried. */
    public static <K, V> Supplier<Processor<K, Change<V>>> materialize(String store) {
        return () -> new Processors.WithStore<K, Change<V>, KeyValueStore<K, V>>(store) {
            @Override
            public void process(Record<K, Change<V>> r) {
                store.put(r.key(), r.value().newValue());
                context.forward(r);
            }
        };
    }

    /** Joins each stream record with the store's current value for its key; {@code left} keeps unmatched ones. */
    public static <K, V, T, R> Supplier<Processor<K, V>> streamTable(String tableStore,
                                                                   BiFunction<? super V, ? super T, ? extends R> joiner,
                                                                   boolean left) {
        return () -> new Processors.WithStore<K, V, KeyValueStore<K, T>>(tableStore) {
            @Override
            public void process(Record<K, V> r) {
                if (lacksKeyOrValue(r)) {
                    return;
                }
                T match = store.get(r.key());
                if (match != null || left) {
                    context.forward(r.withValue(joiner.apply(r.value(), match)));
                }
            }
        };
    }

    /**
     * One side of a table–table join: when this side's value for a key changes, the result is recomputed against
     * the other side's current value. Inner joins need both; left joins this side; outer joins either.
     *
     * @param thisIsLeft whether this processor sees the left table's changes (joiner argument order)
     */
    public static <K, V, O, R> Supplier<Processor<K, Change<V>>> tableTable(
            String otherStore, BiFunction<Object, Object, R> joiner, boolean thisIsLeft, boolean keepThis,
            boolean keepOther) {
        return () -> new Processors.WithStore<K, Change<V>, KeyValueStore<K, O>>(otherStore) {
            private R join(V mine, O theirs) {
                if (mine == null && theirs == null) {
                    return null;
                }
                if ((mine == null && !keepOther) || (theirs == null && !keepThis)) {
                    return null;
                }
                return thisIsLeft ? joiner.apply(mine, theirs) : joiner.apply(theirs, mine);
            }

            @Override
            public void process(Record<K, Change<V>> r) {
                O theirs = store.get(r.key());
                R old = join(r.value().oldValue(), theirs);
                R now = join(r.value().newValue(), theirs);
                if (old != null || now != null) {
                    context.forward(r.withValue(new Change<>(old, now)));
                }
            }
        };
    }
}
