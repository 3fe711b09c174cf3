package io.sluice.dsl.internal;

import io.sluice.engine.KeyValueStore;
import io.sluice.engine.Processor;
import io.sluice.engine.ProcessorContext;
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
        return () -> new Processors.Forwarding<>() {
            private KeyValueStore<K, V> table;

            @Override
            public void init(ProcessorContext processorContext) {
                super.init(processorContext);
                table = processorContext.store(store);
            }

            @Override
            public void process(Record<K, V> r) {
                if (r.key() == null) {
                    context.count("dropped-null-key-or-value");
                    return;
                }
                V old = table.get(r.key());
                table.put(r.key(), r.value());
                if (old != null || r.value() != null) {
                    context.forward(r.withValue(new Change<>(old, r.value())));
                }
            }
        };
    }

    /** Materializes a table that is derived from another (filter, mapValues) so it can be joined and queried. */
    public static <K, V> Supplier<Processor<K, Change<V>>> materialize(String store) {
        return () -> new Processors.Forwarding<>() {
            private KeyValueStore<K, V> table;

            @Override
            public void init(ProcessorContext processorContext) {
                super.init(processorContext);
                table = processorContext.store(store);
            }

            @Override
            public void process(Record<K, Change<V>> r) {
                table.put(r.key(), r.value().newValue());
                context.forward(r);
            }
        };
    }

    /** Joins each stream record with the table's current value for its key; {@code left} keeps unmatched ones. */
    public static <K, V, T, R> Supplier<Processor<K, V>> streamTable(String tableStore,
                                                                   BiFunction<? super V, ? super T, ? extends R> joiner,
                                                                   boolean left) {
        return () -> new Processors.Forwarding<>() {
            private KeyValueStore<K, T> table;

            @Override
            public void init(ProcessorContext processorContext) {
                super.init(processorContext);
                table = processorContext.store(tableStore);
            }

            @Override
            public void process(Record<K, V> r) {
                if (lacksKeyOrValue(r)) {
                    return;
                }
                T match = table.get(r.key());
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
        return () -> new Processors.Forwarding<>() {
            private KeyValueStore<K, O> other;

            @Override
            public void init(ProcessorContext processorContext) {
                super.init(processorContext);
                other = processorContext.store(otherStore);
            }

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
                O theirs = other.get(r.key());
                R old = join(r.value().oldValue(), theirs);
                R now = join(r.value().newValue(), theirs);
                if (old != null || now != null) {
                    context.forward(r.withValue(new Change<>(old, now)));
                }
            }
        };
    }
}
