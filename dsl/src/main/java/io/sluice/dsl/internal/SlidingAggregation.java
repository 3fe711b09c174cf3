package io.sluice.dsl.internal;

import io.sluice.engine.KeyValue;
import io.sluice.engine.Processor;
import io.sluice.engine.ProcessorContext;
import io.sluice.engine.Record;
import io.sluice.engine.WindowStore;
import io.sluice.engine.Windowed;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.function.BiFunction;
import java.util.function.Supplier;

/**
 * Sliding-window aggregation. Keeps each key's recent values by timestamp (a window store used as a time index)
 * and, for each record, recomputes the windows it changes: its own window {@code [t - d, t]}, the windows of later
 * records that now contain it, the window just after it, and the windows just after earlier records that it now
 * falls in. Recomputing from the values keeps the code obviously right; its cost grows with the number of records
 * per window, which suits windows that are sparse relative to the record rate.
 */
public final class SlidingAggregation {
    private SlidingAggregation() {
    }

    public static <K, V, A> Supplier<Processor<K, V>> of(String valuesStore, String resultStore, long differenceMs,
                                                        long graceMs, Supplier<A> initializer,
                                                        BiFunction<A, ? super V, A> adder) {
        return () -> new Processors.Forwarding<>() {
            private WindowStore<K, List<V>> values;
            private WindowStore<K, A> results;

            @Override
            public void init(ProcessorContext processorContext) {
                super.init(processorContext);
                values = processorContext.store(valuesStore);
                results = processorContext.store(resultStore);
            }

            @Override
            public void process(Record<K, V> r) {
                if (lacksKeyOrValue(r)) {
                    return;
                }
                long t = r.timestamp();
                long closed = context.streamTime() - graceMs;
                if (t + differenceMs < closed) {
                    context.count("dropped-late-records");
                    return;
                }
                List<V> here = values.fetch(r.key(), t);
                List<V> withThis = new ArrayList<>(here == null ? List.of() : here);
                withThis.add(r.value());
                values.put(r.key(), withThis, t);

                TreeSet<Long> nearby = new TreeSet<>();
                for (KeyValue<Windowed<K>, List<V>> kv : values.fetch(r.key(), t - differenceMs - 1,
                        t + differenceMs + 1)) {
                    nearby.add(kv.key().window().start());
                }
                TreeSet<Long> starts = new TreeSet<>();
                starts.add(t - differenceMs);                       // this record's own window
                for (long x : nearby.subSet(t, false, t + differenceMs, true)) {
                    starts.add(x - differenceMs);                   // later records' windows now holding t
                }
                if (nearby.higher(t) != null && nearby.higher(t) <= t + differenceMs + 1) {
                    starts.add(t + 1);                              // the window just after t, if not empty
                }
                for (long x : nearby.subSet(t - differenceMs - 1, true, t, false)) {
                    starts.add(x + 1);                              // windows just after earlier records
                }
                for (long start : starts) {
                    long end = start + differenceMs;
                    boolean holdsThis = start <= t && t <= end;
                    if (end < closed || !holdsThis && start != t + 1) {
                        continue;
                    }
                    update(r, start, end);
                }
            }

            private void update(Record<K, V> r, long start, long end) {
                A aggregate = initializer.get();
                boolean any = false;
                for (KeyValue<Windowed<K>, List<V>> kv : values.fetch(r.key(), start, end)) {
                    for (V v : kv.value()) {
                        aggregate = adder.apply(aggregate, v);
                        any = true;
                    }
                }
                if (!any) {
                    return;
                }
                A old = results.fetch(r.key(), start);
                results.put(r.key(), aggregate, start);
                context.forward(new Record<>(Windowed.of(r.key(), start, end), new Change<>(old, aggregate),
                        r.timestamp(), r.headers()));
            }
        };
    }
}
