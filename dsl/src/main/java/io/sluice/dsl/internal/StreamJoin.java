package io.sluice.dsl.internal;

import io.sluice.engine.KeyValue;
import io.sluice.engine.Processor;
import io.sluice.engine.ProcessorContext;
import io.sluice.engine.Record;
import io.sluice.engine.WindowStore;
import io.sluice.engine.Windowed;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Supplier;

/**
 * One side of a windowed stream–stream join. Each side keeps its recent records in a window store keyed by
 * (key, timestamp); a record joins the other side's records within the join window, and the result carries the
 * later of the two timestamps. A record whose own window has already closed ({@code t + after + grace} behind
 * stream time) is late: dropped and counted. For left and outer joins, a record that found no partner waits in a
 * second store and is emitted with null once nothing can join it any more: when stream time passes
 * {@code t + before + after + grace} — not at once, which would emit a spurious null result for every record whose
 * partner arrives a little later.
 */
public final class StreamJoin {
    private StreamJoin() {
    }

    /** Store names and window bounds of one side. */
    public record Side(String ownStore, String otherStore, String ownPending, String otherPending, long beforeMs,
                       long afterMs, long graceMs, boolean isLeft, boolean emitUnmatched) {
    }

    public static <K, V, R> Supplier<Processor<K, V>> side(Side side, BiFunction<Object, Object, R> joiner) {
        return () -> new Processors.Forwarding<>() {
            private WindowStore<K, List<V>> own;
            private WindowStore<K, List<Object>> other;
            private WindowStore<K, List<V>> ownPending;
            private WindowStore<K, List<Object>> otherPending;

            @Override
            public void init(ProcessorContext processorContext) {
                super.init(processorContext);
                own = processorContext.store(side.ownStore());
                other = processorContext.store(side.otherStore());
                ownPending = side.ownPending() == null ? null : processorContext.store(side.ownPending());
                otherPending = side.otherPending() == null ? null : processorContext.store(side.otherPending());
            }

            private R join(Object mine, Object theirs) {
                return side.isLeft() ? joiner.apply(mine, theirs) : joiner.apply(theirs, mine);
            }

            @Override
            public void process(Record<K, V> r) {
                if (lacksKeyOrValue(r)) {
                    return;
                }
                long t = r.timestamp();
                // Late once its own join window has closed: partners' unmatched results may be out already.
                if (t + side.afterMs() + side.graceMs() < context.streamTime()) {
                    context.count("dropped-late-records");
                    return;
                }
                append(own, r.key(), t, r.value());
                boolean matched = false;
                for (KeyValue<Windowed<K>, List<Object>> kv : other.fetch(r.key(), t - side.beforeMs(),
                        t + side.afterMs())) {
                    long otherTime = kv.key().window().start();
                    for (Object theirs : kv.value()) {
                        matched = true;
                        context.forward(new Record<>(r.key(), join(r.value(), theirs), Math.max(t, otherTime),
                                r.headers()));
                    }
                    if (otherPending != null) {
                        otherPending.put(r.key(), null, otherTime);
                    }
                }
                if (!matched && ownPending != null) {
                    append(ownPending, r.key(), t, r.value());
                }
                emitExpired();
            }

            /**
             * Emits the unmatched records of both sides that nothing can join any more: a record at {@code t} can
             * still meet a partner until stream time passes {@code t + before + after + grace} — the last partner
             * that could join it, at {@code t + after}, is itself late only after its own window closes.
             */
            private void emitExpired() {
                long closedBefore = context.streamTime() - side.beforeMs() - side.afterMs() - side.graceMs();
                if (ownPending != null) {
                    emit(ownPending, closedBefore, true);
                }
                if (otherPending != null) {
                    emit(otherPending, closedBefore, false);
                }
            }

            @Override
            public void flush() {
                // Stream time may have moved on through records that never reached this join; emit before the
                // commit's store flush expires what is pending.
                if (context.streamTime() != Long.MIN_VALUE) {
                    emitExpired();
                }
            }

            private <X> void emit(WindowStore<K, List<X>> pending, long closedBefore, boolean mine) {
                List<KeyValue<Windowed<K>, List<X>>> due = pending.fetchAll(Long.MIN_VALUE, closedBefore - 1);
                for (KeyValue<Windowed<K>, List<X>> kv : due) {
                    long t = kv.key().window().start();
                    for (X value : kv.value()) {
                        R result = mine ? join(value, null) : join(null, value);
                        context.forward(new Record<>(kv.key().key(), result, t));
                    }
                    pending.put(kv.key().key(), null, t);
                }
            }

            private <X> void append(WindowStore<K, List<X>> store, K key, long t, X value) {
                List<X> existing = store.fetch(key, t);
                List<X> values = new ArrayList<>(existing == null ? 1 : existing.size() + 1);
                if (existing != null) {
                    values.addAll(existing);
                }
                values.add(value);
                store.put(key, values, t);
            }
        };
    }
}
