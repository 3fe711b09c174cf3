package io.sluice.dsl.internal;

import io.sluice.engine.Serde;
import io.sluice.engine.StoreSpec;
import io.sluice.engine.Topology;
import io.sluice.engine.TopologyBuilder;
import io.sluice.engine.TopologyException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What a pipeline under construction shares between its streams and tables: the engine topology being built, node
 * names, serdes still to resolve, and every problem found so far. Not thread-safe.
 */
public final class PipelineState {
    private static final Pattern LEGAL_NAME = Pattern.compile("[a-zA-Z0-9._-]{1,200}");

    private final TopologyBuilder topology;
    private final Map<String, Integer> counters = new HashMap<>();
    private final Set<String> statefulNames = new HashSet<>();
    private final List<LazySerde<?>> keySerdes = new ArrayList<>();
    private final List<LazySerde<?>> valueSerdes = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();
    private final Set<String> sourceTopics = new HashSet<>();
    private Serde<?> defaultKeySerde;
    private Serde<?> defaultValueSerde;
    private boolean built;
    private boolean persistentStores;

    public PipelineState(String applicationId) {
        this.topology = Topology.builder(applicationId);
    }

    public TopologyBuilder topology() {
        return topology;
    }

    public String applicationId() {
        return topology.applicationId();
    }

    public void defaults(Serde<?> keySerde, Serde<?> valueSerde) {
        this.defaultKeySerde = keySerde;
        this.defaultValueSerde = valueSerde;
    }

    /** A fresh name for a stateless node: {@code filter-3}. Stateless nodes hold nothing, so numbering is safe. */
    public String nodeName(String kind) {
        return kind + "-" + counters.merge(kind, 1, Integer::sum);
    }

    /** Checks a user-given name of a stateful operator: legal in topic names and unique in the pipeline. */
    public String statefulName(String name, String operator) {
        if (name == null || !LEGAL_NAME.matcher(name).matches()) {
            problems.add("Invalid name for " + operator + ": " + name
                    + " (stateful operators need a name of 1 to 200 of [a-zA-Z0-9._-]; it names their store and "
                    + "topics)");
            return operator + "-" + nodeName("unnamed");
        }
        if (!statefulNames.add(name)) {
            problems.add("Name used by two stateful operators: " + name);
        }
        return name;
    }

    public boolean claimSourceTopic(String topic) {
        return sourceTopics.add(topic);
    }

    public <T> LazySerde<T> keySerde(Serde<T> given, String where) {
        LazySerde<T> serde = given instanceof LazySerde<T> lazy ? lazy : new LazySerde<>(given, where);
        keySerdes.add(serde);
        return serde;
    }

    public <T> LazySerde<T> valueSerde(Serde<T> given, String where) {
        LazySerde<T> serde = given instanceof LazySerde<T> lazy ? lazy : new LazySerde<>(given, where);
        valueSerdes.add(serde);
        return serde;
    }

    public void problem(String problem) {
        problems.add(problem);
    }

    public void persistentStores() {
        this.persistentStores = true;
    }

    public void addStore(StoreSpec spec, String... processors) {
        topology.store(persistentStores ? spec.persistent() : spec, processors);
    }

    /** Resolves serdes, builds the engine topology and reports every problem of both at once. */
    public Topology build() {
        if (built) {
            throw new IllegalStateException("Pipeline " + applicationId() + " was already built");
        }
        built = true;
        List<String> all = new ArrayList<>(problems);
        for (LazySerde<?> s : keySerdes) {
            if (!s.resolve(defaultKeySerde)) {
                all.add("Key serde unknown at " + s.where() + ": the key type changed upstream; give a serde "
                        + "(withKeySerde, or an operator's serde argument) or a pipeline default");
            }
        }
        for (LazySerde<?> s : valueSerdes) {
            if (!s.resolve(defaultValueSerde)) {
                all.add("Value serde unknown at " + s.where() + ": the value type changed upstream; give a serde "
                        + "(withValueSerde, or an operator's serde argument) or a pipeline default");
            }
        }
        try {
            Topology built = topology.build();
            if (all.isEmpty()) {
                return built;
            }
        } catch (TopologyException e) {
            all.addAll(e.problems());
        }
        throw new TopologyException("Invalid pipeline " + applicationId(), all);
    }
}
