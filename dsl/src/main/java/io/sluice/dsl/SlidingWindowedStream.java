package io.sluice.dsl;

import io.sluice.dsl.internal.ListSerde;
import io.sluice.dsl.internal.PipelineState;
import io.sluice.dsl.internal.SlidingAggregation;
import io.sluice.dsl.internal.WindowedSerde;
import io.sluice.engine.Serde;
import io.sluice.engine.StoreSpec;
import io.sluice.engine.Windowed;
import java.time.Duration;
import java.util.function.BiFunction;
import java.util.function.Supplier;

/**
 * A grouped stream in sliding windows. Each aggregation keeps two stores: {@code <name>} with the window results
 * and {@code <name>-values} with the recent values the windows are computed from.
 */
public final class SlidingWindowedStream<K, V> extends WindowAggregations<K, V> {
    private final SlidingWindows windows;

    SlidingWindowedStream(GroupedStream<K, V> grouped, SlidingWindows windows) {
        super(grouped);
        this.windows = windows;
    }

    @Override
    public <A> Table<Windowed<K>, A> aggregate(String name, Serde<A> aggregateSerde, Supplier<A> initializer,
                                               BiFunction<A, ? super V, A> adder) {
        PipelineState state = grouped.upstream().state();
        String n = state.statefulName(name, "sliding aggregate");
        String parent = grouped.parentFor(n);
        Serde<K> k = state.keySerde(grouped.keySerde(), "sliding aggregate " + n);
        Serde<A> a = state.valueSerde(aggregateSerde, "sliding aggregate " + n);
        Serde<V> v = state.valueSerde(grouped.upstream().valueSerde(), "sliding aggregate " + n + " (its values)");
        long d = windows.timeDifferenceMs();
        long grace = windows.graceMs();
        String valuesStore = n + "-values";
        state.topology().processor(n, SlidingAggregation.of(valuesStore, n, d, grace, initializer, adder), parent);
        state.addStore(StoreSpec.window(n, k, a, Duration.ofMillis(d), Duration.ofMillis(d + grace + 1)), n);
        state.addStore(StoreSpec.window(valuesStore, k, new ListSerde<>(v), Duration.ofMillis(1),
                Duration.ofMillis(2 * d + grace + 2)), n);
        // A sliding window's end is inclusive, and a record at end + grace still updates it: final one ms later.
        return new Table<>(state, n, new WindowedSerde<>(k), a, null, grace + 1);
    }
}
