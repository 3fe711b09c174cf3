package io.sluice.dsl;

import io.sluice.dsl.internal.Aggregations;
import io.sluice.dsl.internal.PipelineState;
import io.sluice.dsl.internal.WindowedSerde;
import io.sluice.engine.Serde;
import io.sluice.engine.StoreSpec;
import io.sluice.engine.Windowed;
import java.time.Duration;
import java.util.function.BiFunction;
import java.util.function.Supplier;

/** A grouped stream cut into fixed time windows; each aggregation yields a table keyed by window. */
public final class WindowedStream<K, V> extends WindowAggregations<K, V> {
    private final Windows windows;

    WindowedStream(GroupedStream<K, V> grouped, Windows windows) {
        super(grouped);
        this.windows = windows;
    }

    @Override
    public <A> Table<Windowed<K>, A> aggregate(String name, Serde<A> aggregateSerde, Supplier<A> initializer,
                                               BiFunction<A, ? super V, A> adder) {
        PipelineState state = grouped.upstream().state();
        String n = state.statefulName(name, "windowed aggregate");
        String parent = grouped.parentFor(n);
        Serde<K> k = state.keySerde(grouped.keySerde(), "windowed aggregate " + n);
        Serde<A> a = state.valueSerde(aggregateSerde, "windowed aggregate " + n);
        state.topology().processor(n, Aggregations.windowed(n, windows, initializer, adder), parent);
        // Closed windows stay queryable for a day, as in Kafka Streams; no longer than that by default.
        long retentionMs = Math.max(windows.sizeMs() + windows.graceMs(), Duration.ofDays(1).toMillis());
        state.addStore(StoreSpec.window(n, k, a, Duration.ofMillis(windows.sizeMs()), Duration.ofMillis(retentionMs)),
                n);
        return new Table<>(state, n, new WindowedSerde<>(k), a, null, windows.graceMs());
    }
}
