package io.sluice.dsl;

import io.sluice.dsl.internal.Joins;
import io.sluice.dsl.internal.PipelineState;
import io.sluice.engine.Serde;
import io.sluice.engine.Serdes;
import io.sluice.engine.StoreSpec;
import io.sluice.engine.TimestampExtractor;
import io.sluice.engine.Topology;
import java.util.Objects;

/**
 * The entry point of the DSL: names a job, reads topics as streams and tables, and builds the topology.
 *
 * <pre>{@code
 * Pipeline p = Pipeline.named("word-count");
 * p.stream("lines", Serdes.string())
 *         .flatMapValues(line -> List.of(line.toLowerCase().split("\\W+")))
 *         .groupBy((key, word) -> word, Serdes.string())
 *         .count("word-counts")
 *         .toStream()
 *         .to("word-counts");
 * Topology topology = p.build();
 * }</pre>
 *
 * <p>Serdes are given where a type enters — a source, a re-key, an aggregate — and follow the records from there;
 * where an operator changes a type and the new one is later written somewhere, give the serde with
 * {@link Stream#withValueSerde}/{@link Stream#withKeySerde} or set pipeline defaults. {@link #build()} checks the
 * whole pipeline and reports every problem at once. Not thread-safe.
 */
public final class Pipeline {
    private final PipelineState state;

    private Pipeline(String applicationId) {
        this.state = new PipelineState(Objects.requireNonNull(applicationId, "applicationId"));
    }

    /** A pipeline for the job {@code applicationId}: its consumer group and the prefix of its internal topics. */
    public static Pipeline named(String applicationId) {
        return new Pipeline(applicationId);
    }

    /** Serdes for keys and values whose serde was not given in the chain; null for none. */
    public Pipeline defaultSerdes(Serde<?> keySerde, Serde<?> valueSerde) {
        state.defaults(keySerde, valueSerde);
        return this;
    }

    /**
     * Keeps the stores of the operators declared from here on in RocksDB on local disk (under the job's
     * {@code state.dir}) instead of in memory: for state larger than the heap.
     */
    public Pipeline persistentStores() {
        state.persistentStores();
        return this;
    }

    /** Reads {@code topic} as a stream with string keys. */
    public <V> Stream<String, V> stream(String topic, Serde<V> valueSerde) {
        return stream(topic, Serdes.string(), valueSerde, null);
    }

    /** Reads {@code topic} as a stream. */
    public <K, V> Stream<K, V> stream(String topic, Serde<K> keySerde, Serde<V> valueSerde) {
        return stream(topic, keySerde, valueSerde, null);
    }

    /** Reads {@code topic} as a stream with event time from {@code timestamps} (null: the record timestamp). */
    public <K, V> Stream<K, V> stream(String topic, Serde<K> keySerde, Serde<V> valueSerde,
                                      TimestampExtractor<K, V> timestamps) {
        Objects.requireNonNull(topic, "topic");
        String name = "source-" + topic;
        if (!state.claimSourceTopic(topic)) {
            state.problem("Topic read twice: topic=" + topic + " (read it once and reuse the stream)");
            name = state.nodeName(name);
        }
        state.topology().source(name, topic, Objects.requireNonNull(keySerde, "keySerde"),
                Objects.requireNonNull(valueSerde, "valueSerde"), timestamps);
        return new Stream<>(state, name, keySerde, valueSerde, false);
    }

    /**
     * Reads {@code topic} as a table: the latest value per key, a null value deleting the key. The table is
     * materialized in a store named after the topic, which joins use and queries can read. When {@code topic} is
     * compacted, the store is restored from it and has no changelog topic of its own.
     */
    public <K, V> Table<K, V> table(String topic, Serde<K> keySerde, Serde<V> valueSerde) {
        Objects.requireNonNull(topic, "topic");
        String store = state.statefulName(topic, "table(" + topic + ")");
        String source = "source-" + topic;
        if (!state.claimSourceTopic(topic)) {
            state.problem("Topic read twice: topic=" + topic + " (read it once and reuse the table)");
            source = state.nodeName(source);
        }
        state.topology().source(source, topic, Objects.requireNonNull(keySerde, "keySerde"),
                Objects.requireNonNull(valueSerde, "valueSerde"));
        String node = "table-" + store;
        state.topology().processor(node, Joins.tableSource(store), source);
        state.addStore(StoreSpec.keyValue(store, keySerde, valueSerde).restorableFrom(topic), node);
        return new Table<>(state, node, keySerde, valueSerde, store, -1);
    }

    /** Checks the pipeline and builds its topology; throws a {@code TopologyException} listing every problem. */
    public Topology build() {
        return state.build();
    }
}
