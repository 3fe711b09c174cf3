package io.sluice.dsl.internal;

import io.sluice.engine.KeyValue;
import io.sluice.engine.KeyValueStore;
import io.sluice.engine.Processor;
import io.sluice.engine.ProcessorContext;
import io.sluice.engine.Record;
import io.sluice.engine.Windowed;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * Holds back a windowed aggregate's updates and emits only each window's final value, once stream time passes the
 * window's close time ({@code end + closeAfterMs}). The buffer is a logged store, so pending finals survive a
 * restart; an index by close time, rebuilt from the store on start, makes emitting cheap.
 */
public final class Suppression {
    private Suppression() {
    }

    public static <K, V> Supplier<Processor<Windowed<K>, Change<V>>> untilWindowCloses(String store,
                                                                                    long closeAfterMs) {
        return () -> new Processors.Forwarding<>() {
            private KeyValueStore<Windowed<K>, V> buffer;
            private final TreeMap<Long, List<Windowed<K>>> byCloseTime = new TreeMap<>();
            /**
             * The latest timestamp seen here. Not the task's stream time: with a record cache upstream, updates
             * arrive at the commit, behind stream time, and a window must not be final before they are in.
             */
            private long observed;

            @Override
            public void init(ProcessorContext processorContext) {
                super.init(processorContext);
                buffer = processorContext.store(store);
                observed = processorContext.streamTime();
                for (KeyValue<Windowed<K>, V> kv : buffer.all()) {
                    index(kv.key());
                }
            }

            private void index(Windowed<K> key) {
                byCloseTime.computeIfAbsent(key.window().end() + closeAfterMs, t -> new ArrayList<>()).add(key);
            }

            @Override
            public void process(Record<Windowed<K>, Change<V>> r) {
                observed = Math.max(observed, r.timestamp());
                V latest = r.value().newValue();
                boolean known = buffer.get(r.key()) != null;
                buffer.put(r.key(), latest);
                if (latest != null && !known) {
                    index(r.key());
                }
                emitClosed(r);
            }

            private void emitClosed(Record<Windowed<K>, Change<V>> trigger) {
                long now = observed;
                while (!byCloseTime.isEmpty() && byCloseTime.firstKey() <= now) {
                    Map.Entry<Long, List<Windowed<K>>> due = byCloseTime.pollFirstEntry();
                    for (Windowed<K> key : due.getValue()) {
                        V finalValue = buffer.get(key);
                        if (finalValue != null) {
                            buffer.delete(key);
                            context.forward(new Record<>(key, new Change<>(null, finalValue), trigger.timestamp(),
                                    trigger.headers()));
                        }
                    }
                }
            }
        };
    }
}
