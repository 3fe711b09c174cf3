package io.sluice.dsl.internal;

import io.sluice.engine.KeyValue;
import io.sluice.engine.Processor;
import io.sluice.engine.ProcessorContext;
import io.sluice.engine.Record;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.BiPredicate;
import java.util.function.Supplier;

/** The stateless operators of the DSL as processors. */
public final class Processors {
    private Processors() {
    }

    /** A processor that keeps its context for forwarding. */
    abstract static class Forwarding<K, V> implements Processor<K, V> {
        ProcessorContext context;

        @Override
        public void init(ProcessorContext processorContext) {
            this.context = processorContext;
        }

        /** Whether {@code r} lacks a key or a value, which aggregations and joins drop (and count). */
        final boolean lacksKeyOrValue(Record<?, ?> r) {
            if (r.key() == null || r.value() == null) {
                context.count("dropped-null-key-or-value");
                return true;
            }
            return false;
        }
    }

    /** A forwarding processor that uses one state store, looked up by name when it starts. */
    abstract static class WithStore<K, V, S> extends Forwarding<K, V> {
        private final String storeName;
        S store;

        WithStore(String storeName) {
            this.storeName = storeName;
        }

        @Override
        public void init(ProcessorContext processorContext) {
            super.init(processorContext);
            store = processorContext.store(storeName);
        }
    }

    public static <K, V> Supplier<Processor<K, V>> filter(BiPredicate<? super K, ? super V> predicate,
                                                         boolean keepMatches) {
        return () -> new Forwarding<>() {
            @Override
            public void process(Record<K, V> r) {
                if (predicate.test(r.key(), r.value()) == keepMatches) {
                    context.forward(r);
                }
            }
        };
    }

    public static <K, V, K2, V2> Supplier<Processor<K, V>> map(
            BiFunction<? super K, ? super V, ? extends KeyValue<? extends K2, ? extends V2>> mapper) {
        return () -> new Forwarding<>() {
            @Override
            public void process(Record<K, V> r) {
                KeyValue<? extends K2, ? extends V2> kv = mapper.apply(r.key(), r.value());
                if (kv == null) {
                    throw new IllegalArgumentException("map returned null; return a KeyValue or use flatMap");
                }
                context.forward(r.with(kv.key(), kv.value()));
            }
        };
    }

    public static <K, V, V2> Supplier<Processor<K, V>> mapValues(
            BiFunction<? super K, ? super V, ? extends V2> mapper) {
        return () -> new Forwarding<>() {
            @Override
            public void process(Record<K, V> r) {
                context.forward(r.withValue(mapper.apply(r.key(), r.value())));
            }
        };
    }

    public static <K, V, K2> Supplier<Processor<K, V>> selectKey(BiFunction<? super K, ? super V, ? extends K2> f) {
        return () -> new Forwarding<>() {
            @Override
            public void process(Record<K, V> r) {
                context.forward(r.withKey(f.apply(r.key(), r.value())));
            }
        };
    }

    public static <K, V, K2, V2> Supplier<Processor<K, V>> flatMap(
            BiFunction<? super K, ? super V, ? extends Iterable<? extends KeyValue<? extends K2, ? extends V2>>> f) {
        return () -> new Forwarding<>() {
            @Override
            public void process(Record<K, V> r) {
                Iterable<? extends KeyValue<? extends K2, ? extends V2>> out = f.apply(r.key(), r.value());
                if (out != null) {
                    for (KeyValue<? extends K2, ? extends V2> kv : out) {
                        context.forward(r.with(kv.key(), kv.value()));
                    }
                }
            }
        };
    }

    public static <K, V, V2> Supplier<Processor<K, V>> flatMapValues(
            BiFunction<? super K, ? super V, ? extends Iterable<? extends V2>> f) {
        return () -> new Forwarding<>() {
            @Override
            public void process(Record<K, V> r) {
                Iterable<? extends V2> out = f.apply(r.key(), r.value());
                if (out != null) {
                    for (V2 v : out) {
                        context.forward(r.withValue(v));
                    }
                }
            }
        };
    }

    /** Calls {@code action} for each record, then forwards it unless {@code terminal}. */
    public static <K, V> Supplier<Processor<K, V>> peek(BiConsumer<? super K, ? super V> action, boolean terminal) {
        return () -> new Forwarding<>() {
            @Override
            public void process(Record<K, V> r) {
                action.accept(r.key(), r.value());
                if (!terminal) {
                    context.forward(r);
                }
            }
        };
    }

    /** Passes records on unchanged: the meeting point of merged streams. */
    public static <K, V> Supplier<Processor<K, V>> passThrough() {
        return () -> new Forwarding<>() {
            @Override
            public void process(Record<K, V> r) {
                context.forward(r);
            }
        };
    }

    /** Sends each record to the first branch whose predicate matches (child names in order), or drops it. */
    public static <K, V> Supplier<Processor<K, V>> split(java.util.List<BiPredicate<? super K, ? super V>> tests,
                                                        java.util.List<String> children) {
        return () -> new Forwarding<>() {
            @Override
            public void process(Record<K, V> r) {
                for (int i = 0; i < tests.size(); i++) {
                    if (tests.get(i).test(r.key(), r.value())) {
                        context.forward(r, children.get(i));
                        return;
                    }
                }
            }
        };
    }
}
