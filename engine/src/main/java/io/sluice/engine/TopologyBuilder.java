package io.sluice.engine;

import io.sluice.engine.internal.topology.NodeSpec;
import io.sluice.engine.internal.topology.TopologyModel;
import io.sluice.engine.internal.topology.TopologyModelBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Declares a topology node by node (the processor API). Parents are declared before their children; problems are
 * collected and {@link #build()} reports all of them at once. Not thread-safe.
 *
 * <pre>{@code
 * Topology topology = Topology.builder("uppercase")
 *         .source("lines", "text", Serdes.string(), Serdes.string())
 *         .processor("upper", UppercaseProcessor::new, "lines")
 *         .sink("out", "upper-text", Serdes.string(), Serdes.string(), null, "upper")
 *         .build();
 * }</pre>
 */
public final class TopologyBuilder {
    private static final Pattern LEGAL_ID = Pattern.compile("[a-zA-Z0-9._-]{1,200}");

    private final String applicationId;
    private final TopologyModelBuilder model;

    TopologyBuilder(String applicationId) {
        this.applicationId = Objects.requireNonNull(applicationId, "applicationId");
        this.model = new TopologyModelBuilder(applicationId);
        if (!LEGAL_ID.matcher(applicationId).matches()) {
            model.problem("Invalid application.id: " + applicationId
                    + " (use 1 to 200 of [a-zA-Z0-9._-]; it names the job's group and internal topics)");
        }
    }

    public String applicationId() {
        return applicationId;
    }

    /** Reads {@code topic}, with the record timestamps as event time. */
    public TopologyBuilder source(String name, String topic, Serde<?> keySerde, Serde<?> valueSerde) {
        return source(name, topic, keySerde, valueSerde, null);
    }

    /** Reads {@code topic}, taking event time from {@code timestampExtractor} (null: the record timestamp). */
    public TopologyBuilder source(String name, String topic, Serde<?> keySerde, Serde<?> valueSerde,
                                  TimestampExtractor<?, ?> timestampExtractor) {
        requireNames(name, topic);
        model.add(new NodeSpec.Source(name, topic, Objects.requireNonNull(keySerde, "keySerde"),
                Objects.requireNonNull(valueSerde, "valueSerde"), timestampExtractor));
        return this;
    }

    /** Adds a processor fed by {@code parents}; {@code supplier} gives a new instance per task. */
    public TopologyBuilder processor(String name, Supplier<? extends Processor<?, ?>> supplier, String... parents) {
        requireNames(name);
        model.add(new NodeSpec.Operator(name, Objects.requireNonNull(supplier, "supplier"), List.of(parents),
                Set.of()));
        return this;
    }

    /** Writes what {@code parents} forward to {@code topic}; {@code partitioner} null partitions by key. */
    public TopologyBuilder sink(String name, String topic, Serde<?> keySerde, Serde<?> valueSerde,
                                StreamPartitioner<?, ?> partitioner, String... parents) {
        requireNames(name, topic);
        model.add(new NodeSpec.Sink(name, topic, Objects.requireNonNull(keySerde, "keySerde"),
                Objects.requireNonNull(valueSerde, "valueSerde"), partitioner, List.of(parents)));
        return this;
    }

    /** Adds a state store for the named processors (which then share a task). */
    public TopologyBuilder store(StoreSpec spec, String... processors) {
        model.addStore(Objects.requireNonNull(spec, "spec"), List.of(processors));
        return this;
    }

    /** Gives more processors access to an existing store. */
    public TopologyBuilder connect(String store, String... processors) {
        model.connect(store, List.of(processors));
        return this;
    }

    /**
     * Marks {@code topic} as an internal repartition topic, written and read by this topology and created when the
     * job starts, with {@code partitions} partitions (0: as many as the largest input of the writing side).
     */
    public TopologyBuilder repartitionTopic(String topic, int partitions) {
        requireNames(topic);
        model.addRepartitionTopic(topic, partitions);
        return this;
    }

    /** Validates the whole topology. */
    public Topology build() {
        List<String> problems = new ArrayList<>();
        TopologyModel built = model.build(problems);
        if (built == null) {
            throw new TopologyException("Invalid topology " + applicationId, problems);
        }
        return new Topology(built);
    }

    private static void requireNames(String... names) {
        for (String n : names) {
            Objects.requireNonNull(n, "name");
        }
    }
}
