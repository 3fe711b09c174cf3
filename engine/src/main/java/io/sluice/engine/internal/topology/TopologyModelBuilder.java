package io.sluice.engine.internal.topology;

import io.sluice.engine.StoreSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Collects nodes, stores and internal topics, noting every problem instead of failing on the first. */
public final class TopologyModelBuilder {
    private final String applicationId;
    private final Map<String, NodeSpec> nodes = new LinkedHashMap<>();
    private final Map<String, StoreSpec> stores = new LinkedHashMap<>();
    private final Map<String, Set<String>> storeUsers = new LinkedHashMap<>();
    private final Map<String, Integer> repartitionTopics = new LinkedHashMap<>();
    private final List<String> problems = new ArrayList<>();

    public TopologyModelBuilder(String applicationId) {
        this.applicationId = applicationId;
    }

    public void add(NodeSpec node) {
        if (nodes.containsKey(node.name())) {
            problems.add("Node name used twice: name=" + node.name());
            return;
        }
        for (String parent : node.parents()) {
            NodeSpec p = nodes.get(parent);
            if (p == null) {
                problems.add("Unknown parent: node=" + node.name() + ", parent=" + parent
                        + " (declare parents before their children)");
            } else if (p instanceof NodeSpec.Sink) {
                problems.add("A sink cannot have children: node=" + node.name() + ", sink=" + parent);
            }
        }
        if (!(node instanceof NodeSpec.Source) && node.parents().isEmpty()) {
            problems.add("Node without a parent: node=" + node.name());
        }
        if (node instanceof NodeSpec.Source s && sourceReading(s.topic()) != null) {
            problems.add("Topic read by two sources: topic=" + s.topic() + ", sources=" + sourceReading(s.topic())
                    + ", " + s.name() + " (use one source and merge)");
        }
        nodes.put(node.name(), node);
    }

    private String sourceReading(String topic) {
        for (NodeSpec n : nodes.values()) {
            if (n instanceof NodeSpec.Source s && s.topic().equals(topic)) {
                return s.name();
            }
        }
        return null;
    }

    public void addStore(StoreSpec spec, List<String> users) {
        if (stores.containsKey(spec.name())) {
            problems.add("Store name used twice: store=" + spec.name());
            return;
        }
        stores.put(spec.name(), spec);
        storeUsers.put(spec.name(), new LinkedHashSet<>());
        connect(spec.name(), users);
    }

    public void connect(String store, List<String> users) {
        if (!stores.containsKey(store)) {
            problems.add("Unknown store: store=" + store + ", processors=" + users);
            return;
        }
        storeUsers.get(store).addAll(users);
    }

    public void addRepartitionTopic(String topic, int partitions) {
        if (partitions < 0) {
            problems.add("Invalid partition count: topic=" + topic + ", partitions=" + partitions);
        }
        repartitionTopics.put(topic, partitions);
    }

    public void problem(String problem) {
        problems.add(problem);
    }

    /** The validated model, or a list of every problem. */
    public TopologyModel build(List<String> problemsOut) {
        List<String> all = new ArrayList<>(problems);
        if (nodes.values().stream().noneMatch(n -> n instanceof NodeSpec.Source)) {
            all.add("The topology reads no topic: add a source");
        }
        Map<String, NodeSpec> resolved = new LinkedHashMap<>();
        for (NodeSpec node : nodes.values()) {
            if (node instanceof NodeSpec.Operator op) {
                Set<String> own = new LinkedHashSet<>(op.stores());
                storeUsers.forEach((store, users) -> {
                    if (users.contains(op.name())) {
                        own.add(store);
                    }
                });
                node = new NodeSpec.Operator(op.name(), op.supplier(), op.parents(), Set.copyOf(own));
            }
            resolved.put(node.name(), node);
        }
        storeUsers.forEach((store, users) -> {
            if (users.isEmpty()) {
                all.add("Store used by no processor: store=" + store);
            }
            for (String user : users) {
                if (!(nodes.get(user) instanceof NodeSpec.Operator)) {
                    all.add("Store connected to something that is not a processor: store=" + store + ", node="
                            + user);
                }
            }
        });
        for (String topic : repartitionTopics.keySet()) {
            boolean written = nodes.values().stream().anyMatch(n -> n instanceof NodeSpec.Sink s
                    && s.topic().equals(topic));
            if (!written || sourceReading(topic) == null) {
                all.add("Repartition topic must be written and read by the topology: topic=" + topic);
            }
        }
        problemsOut.addAll(all);
        return all.isEmpty() ? new TopologyModel(applicationId, resolved, stores, repartitionTopics) : null;
    }
}
