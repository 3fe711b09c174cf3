package io.sluice.dsl;

import io.sluice.dsl.internal.Aggregations;
import io.sluice.dsl.internal.PipelineState;
import io.sluice.engine.Serde;
import io.sluice.engine.Serdes;
import io.sluice.engine.StoreSpec;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.BinaryOperator;
import java.util.function.Supplier;

/**
 * A stream grouped by key, ready to aggregate. Each aggregation is named: the name is its store, its changelog
 * ({@code <application.id>-<name>-changelog}) and, when the stream was re-keyed, its repartition topic.
 */
public final class GroupedStream<K, V> {
    private final Stream<K, V> upstream;
    private final Serde<K> keySerde;
    private final boolean repartition;

    GroupedStream(Stream<K, V> upstream, Serde<K> keySerde, boolean repartition) {
        this.upstream = upstream;
        this.keySerde = keySerde;
        this.repartition = repartition;
    }

    /**
     * Counts records per key; records with a null value are not counted. Through a repartition topic each key
     * travels with the number of its records since the last commit (one record per key and commit with the record
     * cache on, one per input record without), so the value type needs no serde.
     */
    public Table<K, Long> count(String name) {
        if (!repartition) {
            GroupedStream<K, byte[]> keysOnly = new GroupedStream<>(upstream.presenceOnly(), keySerde, false);
            return keysOnly.aggregate(name, Serdes.longs(), () -> 0L, (count, v) -> count + 1);
        }
        GroupedStream<K, Long> counted = new GroupedStream<>(upstream.countedAhead(name + "-ahead"), keySerde, true);
        return counted.aggregate(name, Serdes.longs(), () -> 0L, Long::sum);
    }

    /** Combines values per key with {@code reducer}; the first value is the start. */
    public Table<K, V> reduce(String name, BinaryOperator<V> reducer) {
        Objects.requireNonNull(reducer, "reducer");
        return aggregate(name, upstream.valueSerde(), () -> null, (agg, v) -> agg == null ? v : reducer.apply(agg, v));
    }

    /** Folds values per key into an aggregate of type {@code A}, starting from {@code initializer}. */
    public <A> Table<K, A> aggregate(String name, Serde<A> aggregateSerde, Supplier<A> initializer,
                                     BiFunction<A, ? super V, A> adder) {
        PipelineState state = upstream.state();
        String n = state.statefulName(name, "aggregate");
        String parent = parentFor(n);
        Serde<K> k = state.keySerde(keySerde, "aggregate " + n);
        Serde<A> a = state.valueSerde(aggregateSerde, "aggregate " + n);
        state.topology().processor(n, Aggregations.stream(n, initializer, adder), parent);
        state.addStore(StoreSpec.keyValue(n, k, a), n);
        return new Table<>(state, n, k, a, n, -1);
    }

    /** Aggregates per key and fixed time window. */
    public WindowedStream<K, V> windowedBy(Windows windows) {
        return new WindowedStream<>(this, Objects.requireNonNull(windows, "windows"));
    }

    /** Aggregates per key and sliding window. */
    public SlidingWindowedStream<K, V> windowedBy(SlidingWindows windows) {
        return new SlidingWindowedStream<>(this, Objects.requireNonNull(windows, "windows"));
    }

    /** Aggregates per key and session. */
    public SessionWindowedStream<K, V> windowedBy(SessionWindows windows) {
        return new SessionWindowedStream<>(this, Objects.requireNonNull(windows, "windows"));
    }

    /** The node aggregations read from: the repartitioned stream if the key changed upstream. */
    String parentFor(String name) {
        return repartition ? upstream.repartitionNode(name, 0) : upstream.node();
    }

    Stream<K, V> upstream() {
        return upstream;
    }

    Serde<K> keySerde() {
        return keySerde;
    }
}
