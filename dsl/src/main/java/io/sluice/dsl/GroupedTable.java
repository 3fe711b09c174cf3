package io.sluice.dsl;

import io.sluice.dsl.internal.Aggregations;
import io.sluice.dsl.internal.ChangeSerde;
import io.sluice.dsl.internal.PipelineState;
import io.sluice.engine.Serde;
import io.sluice.engine.Serdes;
import io.sluice.engine.StoreSpec;
import java.util.function.BiFunction;
import java.util.function.Supplier;

/**
 * A table re-grouped by a new key. Its aggregations subtract a value that left a group and add the one that
 * joined, so they stay right as the table changes: a count of users per region goes down when a user moves.
 */
public final class GroupedTable<K, V> {
    private final PipelineState state;
    private final String node;
    private final Serde<K> keySerde;
    private final Serde<V> valueSerde;

    GroupedTable(PipelineState state, String node, Serde<K> keySerde, Serde<V> valueSerde) {
        this.state = state;
        this.node = node;
        this.keySerde = keySerde;
        this.valueSerde = valueSerde;
    }

    public Table<K, Long> count(String name) {
        return aggregate(name, Serdes.longs(), () -> 0L, (count, v) -> count + 1, (count, v) -> count - 1);
    }

    public Table<K, V> reduce(String name, BiFunction<V, V, V> adder, BiFunction<V, V, V> subtractor) {
        return aggregate(name, valueSerde, () -> null, (agg, v) -> agg == null ? v : adder.apply(agg, v),
                (agg, v) -> agg == null ? null : subtractor.apply(agg, v));
    }

    public <A> Table<K, A> aggregate(String name, Serde<A> aggregateSerde, Supplier<A> initializer,
                                     BiFunction<A, ? super V, A> adder, BiFunction<A, ? super V, A> subtractor) {
        String n = state.statefulName(name, "table aggregate");
        String topic = state.applicationId() + "-" + n + "-repartition";
        ChangeSerde<V> changes = new ChangeSerde<>(valueSerde);
        state.topology().repartitionTopic(topic, 0);
        state.topology().sink(n + "-repartition-sink", topic, keySerde, changes, null, node);
        state.topology().source(n + "-repartition-source", topic, keySerde, changes);
        state.topology().processor(n, Aggregations.table(n, initializer, adder, subtractor),
                n + "-repartition-source");
        state.addStore(StoreSpec.keyValue(n, keySerde, state.valueSerde(aggregateSerde, "table aggregate " + n)), n);
        return new Table<>(state, n, keySerde, aggregateSerde, n, -1);
    }
}
