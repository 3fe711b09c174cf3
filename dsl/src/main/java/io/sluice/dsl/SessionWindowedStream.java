package io.sluice.dsl;

import io.sluice.dsl.internal.Aggregations;
import io.sluice.dsl.internal.PipelineState;
import io.sluice.dsl.internal.WindowedSerde;
import io.sluice.engine.Serde;
import io.sluice.engine.Serdes;
import io.sluice.engine.StoreSpec;
import io.sluice.engine.Windowed;
import java.time.Duration;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.BinaryOperator;
import java.util.function.Supplier;

/**
 * A grouped stream cut into sessions. When a record bridges two sessions they merge, and the table forwards the
 * removal of the old sessions and the merged one.
 */
public final class SessionWindowedStream<K, V> {
    private final GroupedStream<K, V> grouped;
    private final SessionWindows windows;

    SessionWindowedStream(GroupedStream<K, V> grouped, SessionWindows windows) {
        this.grouped = grouped;
        this.windows = windows;
    }

    public Table<Windowed<K>, Long> count(String name) {
        return aggregate(name, Serdes.longs(), () -> 0L, (count, v) -> count + 1, Long::sum);
    }

    public Table<Windowed<K>, V> reduce(String name, BinaryOperator<V> reducer) {
        Objects.requireNonNull(reducer, "reducer");
        return aggregate(name, grouped.upstream().valueSerde(), () -> null,
                (agg, v) -> agg == null ? v : reducer.apply(agg, v),
                (a, b) -> a == null ? b : b == null ? a : reducer.apply(a, b));
    }

    /** @param merger combines the aggregates of two sessions that a record bridged */
    public <A> Table<Windowed<K>, A> aggregate(String name, Serde<A> aggregateSerde, Supplier<A> initializer,
                                               BiFunction<A, ? super V, A> adder, BinaryOperator<A> merger) {
        PipelineState state = grouped.upstream().state();
        String n = state.statefulName(name, "session aggregate");
        String parent = grouped.parentFor(n);
        Serde<K> k = state.keySerde(grouped.keySerde(), "session aggregate " + n);
        Serde<A> a = state.valueSerde(aggregateSerde, "session aggregate " + n);
        state.topology().processor(n, Aggregations.session(n, windows, initializer, adder, merger), parent);
        state.addStore(StoreSpec.session(n, k, a, Duration.ofMillis(windows.gapMs() + windows.graceMs())), n);
        // A session's end is inclusive, and a record at end + gap + grace still joins it: final one ms later.
        return new Table<>(state, n, new WindowedSerde<>(k), a, null, windows.gapMs() + windows.graceMs() + 1);
    }
}
