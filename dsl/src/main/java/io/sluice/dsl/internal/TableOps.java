package io.sluice.dsl.internal;

import io.sluice.engine.KeyValue;
import io.sluice.engine.Processor;
import io.sluice.engine.Record;
import java.util.function.BiFunction;
import java.util.function.BiPredicate;
import java.util.function.Supplier;

/** Stateless operators on a table's changes. */
public final class TableOps {
    private TableOps() {
    }

    /** Keeps values that match; a value that stops matching becomes a deletion downstream. */
    public static <K, V> Supplier<Processor<K, Change<V>>> filter(BiPredicate<? super K, ? super V> predicate,
                                                                 boolean keepMatches) {
        return () -> new Processors.Forwarding<>() {
            @Override
            public void process(Record<K, Change<V>> r) {
                V old = keep(r.key(), r.value().oldValue());
                V now = keep(r.key(), r.value().newValue());
                if (old != null || now != null) {
                    context.forward(r.withValue(new Change<>(old, now)));
                }
            }

            private V keep(K key, V value) {
                return value != null && predicate.test(key, value) == keepMatches ? value : null;
            }
        };
    }

    public static <K, V, V2> Supplier<Processor<K, Change<V>>> mapValues(
            BiFunction<? super K, ? super V, ? extends V2> mapper) {
        return () -> new Processors.Forwarding<>() {
            @Override
            public void process(Record<K, Change<V>> r) {
                V old = r.value().oldValue();
                V now = r.value().newValue();
                context.forward(r.withValue(new Change<V2>(old == null ? null : mapper.apply(r.key(), old),
                        now == null ? null : mapper.apply(r.key(), now))));
            }
        };
    }

    /** Turns changes into plain records: the new value, or null (a tombstone) for a deletion. */
    public static <K, V> Supplier<Processor<K, Change<V>>> toStream() {
        return () -> new Processors.Forwarding<>() {
            @Override
            public void process(Record<K, Change<V>> r) {
                context.forward(r.withValue(r.value().newValue()));
            }
        };
    }

    /** Re-keys a table for grouping: the old value is retracted from its group, the new one added to its own. */
    public static <K, V, K2, V2> Supplier<Processor<K, Change<V>>> groupBy(
            BiFunction<? super K, ? super V, KeyValue<K2, V2>> selector) {
        return () -> new Processors.Forwarding<>() {
            @Override
            public void process(Record<K, Change<V>> r) {
                if (r.value().oldValue() != null) {
                    KeyValue<K2, V2> old = selector.apply(r.key(), r.value().oldValue());
                    context.forward(r.with(old.key(), new Change<V2>(old.value(), null)));
                }
                if (r.value().newValue() != null) {
                    KeyValue<K2, V2> now = selector.apply(r.key(), r.value().newValue());
                    context.forward(r.with(now.key(), new Change<V2>(null, now.value())));
                }
            }
        };
    }
}
