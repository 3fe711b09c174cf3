package io.sluice.dsl;

import io.sluice.dsl.internal.Aggregations;
import io.sluice.dsl.internal.Joins;
import io.sluice.dsl.internal.LazySerde;
import io.sluice.dsl.internal.ListSerde;
import io.sluice.dsl.internal.PipelineState;
import io.sluice.dsl.internal.Processors;
import io.sluice.dsl.internal.StreamJoin;
import io.sluice.engine.KeyValue;
import io.sluice.engine.Processor;
import io.sluice.engine.Serde;
import io.sluice.engine.Serdes;
import io.sluice.engine.StoreSpec;
import io.sluice.engine.StreamPartitioner;
import java.time.Duration;
import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.BiPredicate;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * An unbounded stream of key-value records. Operators return new streams; the stream itself never changes.
 * Operators that change the key mark the stream for repartitioning: grouping and stream–stream joins then route
 * records through an internal topic so that equal keys meet in one task.
 *
 * @param <K> key type
 * @param <V> value type
 */
public final class Stream<K, V> {
    private static final byte[] NO_BYTES = new byte[0];

    private final PipelineState state;
    private final String node;
    private final Serde<K> keySerde;
    private final Serde<V> valueSerde;
    private final boolean keyChanged;

    Stream(PipelineState state, String node, Serde<K> keySerde, Serde<V> valueSerde, boolean keyChanged) {
        this.state = state;
        this.node = node;
        this.keySerde = keySerde;
        this.valueSerde = valueSerde;
        this.keyChanged = keyChanged;
    }

    private <K2, V2> Stream<K2, V2> add(String kind, Supplier<? extends Processor<?, ?>> processor,
                                        Serde<K2> newKeySerde, Serde<V2> newValueSerde, boolean changesKey) {
        String name = state.nodeName(kind);
        state.topology().processor(name, processor, node);
        return new Stream<>(state, name, newKeySerde, newValueSerde, keyChanged || changesKey);
    }

    /** Keeps the records that match. */
    public Stream<K, V> filter(BiPredicate<? super K, ? super V> predicate) {
        return add("filter", Processors.filter(predicate, true), keySerde, valueSerde, false);
    }

    /** Drops the records that match. */
    public Stream<K, V> filterNot(BiPredicate<? super K, ? super V> predicate) {
        return add("filter-not", Processors.filter(predicate, false), keySerde, valueSerde, false);
    }

    /** Replaces key and value; the stream will be repartitioned before grouping or joining. */
    public <K2, V2> Stream<K2, V2> map(BiFunction<? super K, ? super V, KeyValue<K2, V2>> mapper) {
        return add("map", Processors.map(mapper), null, null, true);
    }

    /** Replaces the value; the key and partitioning stay. */
    public <V2> Stream<K, V2> mapValues(Function<? super V, ? extends V2> mapper) {
        Objects.requireNonNull(mapper, "mapper");
        return add("map-values", Processors.<K, V, V2>mapValues((K k, V v) -> mapper.apply(v)), keySerde, null, false);
    }

    /** Replaces each record with zero or more records. */
    public <K2, V2> Stream<K2, V2> flatMap(
            BiFunction<? super K, ? super V, ? extends Iterable<KeyValue<K2, V2>>> mapper) {
        return add("flat-map", Processors.flatMap(mapper), null, null, true);
    }

    /** Replaces each value with zero or more values under the same key. */
    public <V2> Stream<K, V2> flatMapValues(Function<? super V, ? extends Iterable<? extends V2>> mapper) {
        Objects.requireNonNull(mapper, "mapper");
        return add("flat-map-values", Processors.<K, V, V2>flatMapValues((K k, V v) -> mapper.apply(v)), keySerde,
                null, false);
    }

    /** Sets a new key computed from each record. */
    public <K2> Stream<K2, V> selectKey(BiFunction<? super K, ? super V, ? extends K2> keySelector) {
        return add("select-key", Processors.selectKey(keySelector), null, valueSerde, true);
    }

    /** Calls {@code action} for each record and passes it on. */
    public Stream<K, V> peek(BiConsumer<? super K, ? super V> action) {
        return add("peek", Processors.peek(action, false), keySerde, valueSerde, false);
    }

    /** Calls {@code action} for each record; ends the stream. */
    public void foreach(BiConsumer<? super K, ? super V> action) {
        add("foreach", Processors.peek(action, true), keySerde, valueSerde, false);
    }

    /** Declares the key serde from here on (after an operator changed the key type). */
    public Stream<K, V> withKeySerde(Serde<K> serde) {
        return new Stream<>(state, node, Objects.requireNonNull(serde, "serde"), valueSerde, keyChanged);
    }

    /** Declares the value serde from here on (after an operator changed the value type). */
    public Stream<K, V> withValueSerde(Serde<V> serde) {
        return new Stream<>(state, node, keySerde, Objects.requireNonNull(serde, "serde"), keyChanged);
    }

    /** Routes each record to the first of several branches whose predicate matches. */
    public Split<K, V> split() {
        return new Split<>(state, node, keySerde, valueSerde, keyChanged);
    }

    /** Both streams' records in one stream. */
    public Stream<K, V> merge(Stream<K, V> other) {
        String name = state.nodeName("merge");
        state.topology().processor(name, Processors.passThrough(), node, other.node);
        return new Stream<>(state, name, keySerde != null ? keySerde : other.keySerde,
                valueSerde != null ? valueSerde : other.valueSerde, keyChanged || other.keyChanged);
    }

    /**
     * Writes the stream to the internal topic {@code <application.id>-<name>-repartition} and reads it back, so
     * that records are partitioned by their current key (into as many partitions as the input, or
     * {@code partitions} if positive).
     */
    public Stream<K, V> repartition(String name, int partitions) {
        String n = state.statefulName(name, "repartition");
        return new Stream<>(state, repartitionNode(n, partitions), keySerde, valueSerde, false);
    }

    public Stream<K, V> repartition(String name) {
        return repartition(name, 0);
    }

    String repartitionNode(String name, int partitions) {
        String topic = state.applicationId() + "-" + name + "-repartition";
        LazySerde<K> k = state.keySerde(keySerde, "repartition " + name);
        LazySerde<V> v = state.valueSerde(valueSerde, "repartition " + name);
        state.topology().repartitionTopic(topic, partitions);
        state.topology().sink(name + "-repartition-sink", topic, k, v, null, node);
        state.topology().source(name + "-repartition-source", topic, k, v);
        return name + "-repartition-source";
    }

    /** Writes the stream to {@code topic}, partitioned by key as a producer would. */
    public void to(String topic) {
        to(topic, null);
    }

    /** Writes the stream to {@code topic}, partitioned by {@code partitioner}. */
    public void to(String topic, StreamPartitioner<? super K, ? super V> partitioner) {
        Objects.requireNonNull(topic, "topic");
        state.topology().sink(state.nodeName("to-" + topic), topic, state.keySerde(keySerde, "to(" + topic + ")"),
                state.valueSerde(valueSerde, "to(" + topic + ")"), partitioner, node);
    }

    /**
     * Runs a processor of the processor API with its own stores; what it forwards forms the returned stream
     * (whose serdes are unknown until declared). {@code name} names the node and is the identity of its stores.
     */
    public <K2, V2> Stream<K2, V2> process(String name, Supplier<? extends Processor<K, V>> processor,
                                           StoreSpec... stores) {
        String n = state.statefulName(name, "process");
        state.topology().processor(n, processor, node);
        for (StoreSpec store : stores) {
            state.addStore(store, n);
        }
        return new Stream<>(state, n, null, null, true);
    }

    /** The same records with an empty value (null stays null), for operators that only need keys. */
    Stream<K, byte[]> presenceOnly() {
        return add("keys-only", Processors.<K, V, byte[]>mapValues((k, v) -> v == null ? null : NO_BYTES), keySerde,
                Serdes.bytes(), false);
    }

    /** The records counted per key ahead of a repartition topic: see {@link GroupedStream#count}. */
    Stream<K, Long> countedAhead(String nodeName) {
        state.topology().processor(nodeName, Aggregations.countAhead(), node);
        return new Stream<>(state, nodeName, keySerde, Serdes.longs(), keyChanged);
    }

    /** Groups by the current key, for aggregation. */
    public GroupedStream<K, V> groupByKey() {
        return new GroupedStream<>(this, keySerde, keyChanged);
    }

    /** Groups by a new key (with its serde); records go through a repartition topic named after the aggregate. */
    public <K2> GroupedStream<K2, V> groupBy(BiFunction<? super K, ? super V, ? extends K2> keySelector,
                                             Serde<K2> newKeySerde) {
        Stream<K2, V> rekeyed = this.<K2>selectKey(keySelector)
                .withKeySerde(Objects.requireNonNull(newKeySerde, "serde"));
        return new GroupedStream<>(rekeyed, newKeySerde, true);
    }

    /** Joins each record with the table's current value for its key; records without a match are dropped. */
    public <T, R> Stream<K, R> join(Table<K, T> table, BiFunction<? super V, ? super T, ? extends R> joiner) {
        return joinTable(table, joiner, false);
    }

    /** Joins each record with the table's current value for its key, or null. */
    public <T, R> Stream<K, R> leftJoin(Table<K, T> table, BiFunction<? super V, ? super T, ? extends R> joiner) {
        return joinTable(table, joiner, true);
    }

    private <T, R> Stream<K, R> joinTable(Table<K, T> table, BiFunction<? super V, ? super T, ? extends R> joiner,
                                          boolean left) {
        String name = state.nodeName(left ? "left-join" : "join");
        if (keyChanged) {
            state.problem("Stream re-keyed before joining table " + table.storeName() + " at " + name
                    + ": call repartition(name) first so that its keys meet the table's partitions");
        }
        String store = table.materialized("join");
        state.topology().processor(name, Joins.streamTable(store, joiner, left), node);
        state.topology().connect(store, name);
        return new Stream<>(state, name, keySerde, null, false);
    }

    /** Inner windowed join with another stream: each pair of records within the window, same key. */
    public <O, R> Stream<K, R> join(Stream<K, O> other, String name, JoinWindows windows,
                                    BiFunction<? super V, ? super O, ? extends R> joiner) {
        return joinStream(other, name, windows, joiner, false, false);
    }

    /** Left windowed join: also each record of this stream that found no partner, with null. */
    public <O, R> Stream<K, R> leftJoin(Stream<K, O> other, String name, JoinWindows windows,
                                        BiFunction<? super V, ? super O, ? extends R> joiner) {
        return joinStream(other, name, windows, joiner, true, false);
    }

    /** Outer windowed join: also each record of either stream that found no partner, with null. */
    public <O, R> Stream<K, R> outerJoin(Stream<K, O> other, String name, JoinWindows windows,
                                         BiFunction<? super V, ? super O, ? extends R> joiner) {
        return joinStream(other, name, windows, joiner, true, true);
    }

    @SuppressWarnings("unchecked")
    private <O, R> Stream<K, R> joinStream(Stream<K, O> other, String name, JoinWindows windows,
                                           BiFunction<? super V, ? super O, ? extends R> joiner, boolean keepLeft,
                                           boolean keepRight) {
        String n = state.statefulName(name, "join");
        Objects.requireNonNull(windows, "windows");
        String leftNode = keyChanged ? repartitionNode(n + "-left", 0) : node;
        String rightNode = other.keyChanged ? other.repartitionNode(n + "-right", 0) : other.node;
        long retentionMs = windows.beforeMs() + windows.afterMs() + windows.graceMs() + 1;
        Duration retention = Duration.ofMillis(retentionMs);
        Serde<K> k = state.keySerde(keySerde, "join " + n);
        Serde<V> lv = state.valueSerde(valueSerde, "join " + n + " (this side)");
        Serde<O> rv = state.valueSerde(other.valueSerde, "join " + n + " (other side)");
        String leftStore = n + "-this";
        String rightStore = n + "-other";
        String leftPending = keepLeft ? n + "-this-unmatched" : null;
        String rightPending = keepRight ? n + "-other-unmatched" : null;
        BiFunction<Object, Object, R> join = (a, b) -> joiner.apply((V) a, (O) b);
        String leftProcessor = n + "-this-join";
        String rightProcessor = n + "-other-join";
        state.topology().processor(leftProcessor, StreamJoin.side(new StreamJoin.Side(leftStore, rightStore,
                leftPending, rightPending, windows.beforeMs(), windows.afterMs(), windows.graceMs(), true,
                keepLeft), join), leftNode);
        state.topology().processor(rightProcessor, StreamJoin.side(new StreamJoin.Side(rightStore, leftStore,
                rightPending, leftPending, windows.afterMs(), windows.beforeMs(), windows.graceMs(), false,
                keepRight), join), rightNode);
        Duration one = Duration.ofMillis(1);
        state.addStore(StoreSpec.window(leftStore, k, new ListSerde<>(lv), one, retention), leftProcessor,
                rightProcessor);
        state.addStore(StoreSpec.window(rightStore, k, new ListSerde<>(rv), one, retention), leftProcessor,
                rightProcessor);
        if (leftPending != null) {
            state.addStore(StoreSpec.window(leftPending, k, new ListSerde<>(lv), one, retention), leftProcessor,
                    rightProcessor);
        }
        if (rightPending != null) {
            state.addStore(StoreSpec.window(rightPending, k, new ListSerde<>(rv), one, retention), leftProcessor,
                    rightProcessor);
        }
        String merged = n + "-merge";
        state.topology().processor(merged, Processors.passThrough(), leftProcessor, rightProcessor);
        return new Stream<>(state, merged, keySerde, null, false);
    }

    PipelineState state() {
        return state;
    }

    String node() {
        return node;
    }

    Serde<K> keySerde() {
        return keySerde;
    }

    Serde<V> valueSerde() {
        return valueSerde;
    }

    @Override
    public String toString() {
        return "Stream[" + node + "]" + (keyChanged ? " (re-keyed)" : "");
    }
}
