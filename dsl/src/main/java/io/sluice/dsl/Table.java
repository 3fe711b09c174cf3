package io.sluice.dsl;

import io.sluice.dsl.internal.Joins;
import io.sluice.dsl.internal.PipelineState;
import io.sluice.dsl.internal.Processors;
import io.sluice.dsl.internal.Suppression;
import io.sluice.dsl.internal.TableOps;
import io.sluice.engine.KeyValue;
import io.sluice.engine.Processor;
import io.sluice.engine.Serde;
import io.sluice.engine.StoreSpec;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.BiPredicate;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A changelog seen as a table: the latest value per key. Updates flow downstream as changes; {@link #toStream()}
 * turns them back into records, a deletion becoming a tombstone (null value). Tables from topics and aggregations
 * are materialized in a store of the same name, which interactive queries can read.
 *
 * @param <K> key type
 * @param <V> value type
 */
public final class Table<K, V> {
    private final PipelineState state;
    private final String node;
    private final Serde<K> keySerde;
    private final Serde<V> valueSerde;
    private final String store;
    private final long closeAfterMs;
    private String materializedNode;

    /**
     * @param store        the store holding this table's values, or null if not materialized
     * @param closeAfterMs for windowed tables, how long after a window's end it closes; -1 otherwise
     */
    Table(PipelineState state, String node, Serde<K> keySerde, Serde<V> valueSerde, String store,
          long closeAfterMs) {
        this.state = state;
        this.node = node;
        this.keySerde = keySerde;
        this.valueSerde = valueSerde;
        this.store = store;
        this.closeAfterMs = closeAfterMs;
    }

    /** The name of the store holding this table, for queries; null if the table is not materialized. */
    public String storeName() {
        return store;
    }

    private <V2> Table<K, V2> add(String kind, Supplier<? extends Processor<?, ?>> processor,
                                  Serde<V2> newValueSerde) {
        String name = state.nodeName(kind);
        state.topology().processor(name, processor, node);
        return new Table<>(state, name, keySerde, newValueSerde, null, closeAfterMs);
    }

    /** The table's updates as a stream; deletions become records with a null value. */
    public Stream<K, V> toStream() {
        String name = state.nodeName("to-stream");
        state.topology().processor(name, TableOps.toStream(), node);
        return new Stream<>(state, name, keySerde, valueSerde, false);
    }

    /** Keeps the entries that match; an entry that stops matching is deleted downstream. */
    public Table<K, V> filter(BiPredicate<? super K, ? super V> predicate) {
        return add("table-filter", TableOps.filter(predicate, true), valueSerde);
    }

    public Table<K, V> filterNot(BiPredicate<? super K, ? super V> predicate) {
        return add("table-filter-not", TableOps.filter(predicate, false), valueSerde);
    }

    public <V2> Table<K, V2> mapValues(Function<? super V, ? extends V2> mapper) {
        Objects.requireNonNull(mapper, "mapper");
        return add("table-map-values", TableOps.<K, V, V2>mapValues((K k, V v) -> mapper.apply(v)), null);
    }

    /** Declares the value serde from here on (after mapValues changed the type). */
    public Table<K, V> withValueSerde(Serde<V> serde) {
        return new Table<>(state, node, keySerde, Objects.requireNonNull(serde, "serde"), store, closeAfterMs);
    }

    /**
     * Emits only each window's final result, once stream time passes the window's end plus grace (for sessions:
     * plus the inactivity gap). Pending results are kept in the logged store {@code name}. For windowed tables only.
     */
    @SuppressWarnings("unchecked")
    public Table<K, V> suppressUntilWindowCloses(String name) {
        String n = state.statefulName(name, "suppress");
        if (closeAfterMs < 0) {
            state.problem("suppressUntilWindowCloses needs a windowed aggregate upstream: " + n);
            return this;
        }
        state.topology().processor(n, Suppression.untilWindowCloses(n, closeAfterMs), node);
        Serde<V> v = state.valueSerde(valueSerde, "suppress " + n);
        state.addStore(StoreSpec.keyValue(n, keySerde, v), n);
        return new Table<>(state, n, keySerde, valueSerde, null, closeAfterMs);
    }

    /** Re-groups the table by a new key and value, for aggregation; goes through a repartition topic. */
    public <K2, V2> GroupedTable<K2, V2> groupBy(BiFunction<? super K, ? super V, KeyValue<K2, V2>> selector,
                                                 Serde<K2> newKeySerde, Serde<V2> newValueSerde) {
        String name = state.nodeName("table-group-by");
        state.topology().processor(name, TableOps.groupBy(selector), node);
        return new GroupedTable<>(state, name, Objects.requireNonNull(newKeySerde, "keySerde"),
                Objects.requireNonNull(newValueSerde, "valueSerde"));
    }

    /** Inner join with another table on the key; the result updates whenever either side changes. */
    public <O, R> Table<K, R> join(Table<K, O> other, String name, BiFunction<? super V, ? super O, ? extends R> j) {
        return joinTable(other, name, j, false, false);
    }

    /** Left join: every entry of this table, with the other's value or null. */
    public <O, R> Table<K, R> leftJoin(Table<K, O> other, String name,
                                       BiFunction<? super V, ? super O, ? extends R> j) {
        return joinTable(other, name, j, true, false);
    }

    /** Outer join: every key of either table. */
    public <O, R> Table<K, R> outerJoin(Table<K, O> other, String name,
                                        BiFunction<? super V, ? super O, ? extends R> j) {
        return joinTable(other, name, j, true, true);
    }

    @SuppressWarnings("unchecked")
    private <O, R> Table<K, R> joinTable(Table<K, O> other, String name,
                                         BiFunction<? super V, ? super O, ? extends R> joiner, boolean keepLeft,
                                         boolean keepRight) {
        String n = state.statefulName(name, "table join");
        String leftStore = materialized(n + "-this");
        String rightStore = other.materialized(n + "-other");
        BiFunction<Object, Object, R> j = (a, b) -> joiner.apply((V) a, (O) b);
        String leftNode = n + "-this-join";
        String rightNode = n + "-other-join";
        state.topology().processor(leftNode, Joins.tableTable(rightStore, j, true, keepLeft, keepRight),
                materializedNode());
        state.topology().processor(rightNode, Joins.tableTable(leftStore, j, false, keepRight, keepLeft),
                other.materializedNode());
        state.topology().connect(rightStore, leftNode);
        state.topology().connect(leftStore, rightNode);
        String merged = n + "-merge";
        state.topology().processor(merged, Processors.passThrough(), leftNode, rightNode);
        return new Table<>(state, merged, keySerde, null, null, -1);
    }

    /** The store holding this table, materializing it under {@code fallbackName} if it has none. */
    String materialized(String fallbackName) {
        if (store != null) {
            return store;
        }
        if (materializedNode == null) {
            String n = state.statefulName(fallbackName, "table");
            state.topology().processor(n, Joins.materialize(n), node);
            state.addStore(StoreSpec.keyValue(n, state.keySerde(keySerde, "table " + n),
                    state.valueSerde(valueSerde, "table " + n)), n);
            materializedNode = n;
        }
        return materializedNode;
    }

    private String materializedNode() {
        return store != null ? node : materializedNode;
    }

    @Override
    public String toString() {
        return "Table[" + node + (store == null ? "" : ", store " + store) + "]";
    }
}
