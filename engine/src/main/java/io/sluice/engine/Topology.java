package io.sluice.engine;

import io.sluice.engine.internal.topology.TopologyModel;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * A validated graph of sources, processors, sinks and state stores, ready to run with {@link Job} or
 * {@link TestDriver}. Built with {@link #builder(String)} (the processor API) or with the DSL. Immutable.
 */
public final class Topology {
    private final TopologyModel model;

    Topology(TopologyModel model) {
        this.model = model;
    }

    /** Starts a topology for the job {@code applicationId}, which names its group and internal topics. */
    public static TopologyBuilder builder(String applicationId) {
        return new TopologyBuilder(applicationId);
    }

    public String applicationId() {
        return model.applicationId();
    }

    /** Topics the topology reads that it does not write itself. */
    public Set<String> sourceTopics() {
        Set<String> topics = new TreeSet<>();
        model.subTopologies().forEach(s -> topics.addAll(s.sourceTopics()));
        topics.removeAll(model.repartitionTopics().keySet());
        return topics;
    }

    /** Topics the topology writes, other than its internal ones. */
    public Set<String> sinkTopics() {
        Set<String> topics = new TreeSet<>();
        model.subTopologies().forEach(s -> topics.addAll(s.sinkTopics()));
        topics.removeAll(model.repartitionTopics().keySet());
        return topics;
    }

    /**
     * Internal topics: repartition topics and store changelogs (a table over a compacted topic may go without its
     * changelog, restored from that topic instead, when the job runs).
     */
    public Set<String> internalTopics() {
        Set<String> topics = new TreeSet<>(model.repartitionTopics().keySet());
        model.stores().values().stream().filter(StoreSpec::logged)
                .forEach(s -> topics.add(s.changelogTopic(applicationId())));
        return topics;
    }

    public List<StoreSpec> stores() {
        return model.stores().values().stream().sorted((a, b) -> a.name().compareTo(b.name())).toList();
    }

    /** Sub-topologies, nodes, topics and stores, as text. */
    public String describe() {
        return model.describe();
    }

    TopologyModel model() {
        return model;
    }

    @Override
    public String toString() {
        return describe();
    }
}
