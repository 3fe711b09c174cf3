package io.sluice.dsl;

import io.sluice.engine.Serde;
import io.sluice.engine.Serdes;
import io.sluice.engine.Windowed;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.BinaryOperator;
import java.util.function.Supplier;

/** What fixed and sliding windows share: count and reduce are aggregations of their own kind. */
abstract class WindowAggregations<K, V> {
    final GroupedStream<K, V> grouped;

    WindowAggregations(GroupedStream<K, V> grouped) {
        this.grouped = grouped;
    }

    public Table<Windowed<K>, Long> count(String name) {
        return aggregate(name, Serdes.longs(), () -> 0L, (count, v) -> count + 1);
    }

    public Table<Windowed<K>, V> reduce(String name, BinaryOperator<V> reducer) {
        Objects.requireNonNull(reducer, "reducer");
        return aggregate(name, grouped.upstream().valueSerde(), () -> null,
                (agg, v) -> agg == null ? v : reducer.apply(agg, v));
    }

    public abstract <A> Table<Windowed<K>, A> aggregate(String name, Serde<A> aggregateSerde, Supplier<A> initializer,
                                                        BiFunction<A, ? super V, A> adder);
}
