package io.sluice.engine.internal.topology;

import io.sluice.engine.StoreSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A validated topology: nodes, children, stores, internal topics and sub-topologies. Immutable once built; shared
 * by every task of a job, which instantiate processors from it.
 */
public final class TopologyModel {
    private final String applicationId;
    private final Map<String, NodeSpec> nodes;
    private final Map<String, List<String>> children;
    private final Map<String, StoreSpec> stores;
    private final Map<String, Integer> repartitionTopics;
    private final List<SubTopology> subTopologies;

    TopologyModel(String applicationId, Map<String, NodeSpec> nodes, Map<String, StoreSpec> stores,
                  Map<String, Integer> repartitionTopics) {
        this.applicationId = applicationId;
        this.nodes = Map.copyOf(nodes);
        this.stores = Map.copyOf(stores);
        this.repartitionTopics = Map.copyOf(repartitionTopics);
        Map<String, List<String>> kids = new LinkedHashMap<>();
        for (NodeSpec node : nodes.values()) {
            kids.put(node.name(), new ArrayList<>());
        }
        for (NodeSpec node : nodes.values()) {
            for (String parent : node.parents()) {
                kids.get(parent).add(node.name());
            }
        }
        kids.replaceAll((k, v) -> List.copyOf(v));
        this.children = Map.copyOf(kids);
        this.subTopologies = group(nodes);
    }

    /** Groups nodes that are connected through parent links or a shared store; numbered by first node. */
    private static List<SubTopology> group(Map<String, NodeSpec> nodes) {
        Map<String, String> root = new LinkedHashMap<>();
        for (String name : nodes.keySet()) {
            root.put(name, name);
        }
        Map<String, String> storeOwner = new LinkedHashMap<>();
        for (NodeSpec node : nodes.values()) {
            for (String parent : node.parents()) {
                union(root, node.name(), parent);
            }
            if (node instanceof NodeSpec.Operator op) {
                for (String store : op.stores()) {
                    String owner = storeOwner.putIfAbsent(store, node.name());
                    if (owner != null) {
                        union(root, node.name(), owner);
                    }
                }
            }
        }
        Map<String, List<String>> members = new LinkedHashMap<>();
        for (String name : nodes.keySet()) {
            members.computeIfAbsent(find(root, name), r -> new ArrayList<>()).add(name);
        }
        List<SubTopology> result = new ArrayList<>();
        for (List<String> group : members.values()) {
            Set<String> sources = new TreeSet<>();
            Set<String> sinks = new TreeSet<>();
            Set<String> groupStores = new TreeSet<>();
            for (String name : group) {
                NodeSpec node = nodes.get(name);
                if (node instanceof NodeSpec.Source s) {
                    sources.add(s.topic());
                } else if (node instanceof NodeSpec.Sink s) {
                    sinks.add(s.topic());
                } else if (node instanceof NodeSpec.Operator o) {
                    groupStores.addAll(o.stores());
                }
            }
            result.add(new SubTopology(result.size(), List.copyOf(group), sources, sinks, groupStores));
        }
        return List.copyOf(result);
    }

    private static String find(Map<String, String> root, String name) {
        String r = name;
        while (!root.get(r).equals(r)) {
            r = root.get(r);
        }
        root.put(name, r);
        return r;
    }

    private static void union(Map<String, String> root, String a, String b) {
        String ra = find(root, a);
        String rb = find(root, b);
        if (!ra.equals(rb)) {
            root.put(rb, ra);
        }
    }

    public String applicationId() {
        return applicationId;
    }

    public NodeSpec node(String name) {
        return nodes.get(name);
    }

    public List<String> children(String name) {
        return children.get(name);
    }

    public Map<String, StoreSpec> stores() {
        return stores;
    }

    public List<SubTopology> subTopologies() {
        return subTopologies;
    }

    /** Repartition topics written and read by this topology, with their partition count (0: as upstream). */
    public Map<String, Integer> repartitionTopics() {
        return repartitionTopics;
    }

    /** The source node that reads {@code topic}, or null. */
    public NodeSpec.Source sourceOf(String topic) {
        for (NodeSpec node : nodes.values()) {
            if (node instanceof NodeSpec.Source s && s.topic().equals(topic)) {
                return s;
            }
        }
        return null;
    }

    /** The sink nodes that write {@code topic}. */
    public List<NodeSpec.Sink> sinksOf(String topic) {
        List<NodeSpec.Sink> sinks = new ArrayList<>();
        for (NodeSpec node : nodes.values()) {
            if (node instanceof NodeSpec.Sink s && s.topic().equals(topic)) {
                sinks.add(s);
            }
        }
        return sinks;
    }

    /** Topics the user owns: read or written, but not internal. */
    public Set<String> externalTopics() {
        Set<String> topics = new LinkedHashSet<>();
        for (SubTopology sub : subTopologies) {
            topics.addAll(sub.sourceTopics());
            topics.addAll(sub.sinkTopics());
        }
        topics.removeAll(repartitionTopics.keySet());
        return topics;
    }

    /** The sub-topology that reads {@code topic}, or null. */
    public SubTopology readerOf(String topic) {
        for (SubTopology sub : subTopologies) {
            if (sub.sourceTopics().contains(topic)) {
                return sub;
            }
        }
        return null;
    }

    /**
     * Partition counts of every sub-topology's input, given the counts of external topics: a repartition topic
     * without an explicit count gets the largest count among the inputs of the sub-topologies that write it.
     * Problems (missing topics, inputs that are not co-partitioned) are added to {@code problems}.
     */
    public Map<String, Integer> resolvePartitions(Map<String, Integer> externalCounts, List<String> problems) {
        Map<String, Integer> counts = new LinkedHashMap<>(externalCounts);
        repartitionTopics.forEach((topic, n) -> {
            if (n > 0) {
                counts.put(topic, n);
            }
        });
        boolean progress = true;
        while (progress) {
            progress = false;
            for (String topic : repartitionTopics.keySet()) {
                if (counts.containsKey(topic)) {
                    continue;
                }
                int max = 0;
                boolean known = true;
                for (SubTopology writer : writersOf(topic)) {
                    for (String input : writer.sourceTopics()) {
                        Integer n = counts.get(input);
                        if (n == null) {
                            known = false;
                        } else {
                            max = Math.max(max, n);
                        }
                    }
                }
                if (known && max > 0) {
                    counts.put(topic, max);
                    progress = true;
                }
            }
        }
        for (SubTopology sub : subTopologies) {
            Map<String, Integer> inputs = new LinkedHashMap<>();
            for (String topic : sub.sourceTopics()) {
                Integer n = counts.get(topic);
                if (n == null) {
                    problems.add("Partition count unknown: topic=" + topic);
                } else {
                    inputs.put(topic, n);
                }
            }
            if (inputs.values().stream().distinct().count() > 1) {
                problems.add("Topics read together are not co-partitioned (a join or shared store needs the same "
                        + "partition count on each side): " + inputs);
            }
        }
        return counts;
    }

    private List<SubTopology> writersOf(String topic) {
        return subTopologies.stream().filter(s -> s.sinkTopics().contains(topic)).toList();
    }

    /** The number of tasks of a sub-topology: the partition count of its inputs. */
    public static int taskCount(SubTopology sub, Map<String, Integer> partitions) {
        return sub.sourceTopics().stream().mapToInt(t -> partitions.getOrDefault(t, 0)).max().orElse(0);
    }

    /** A readable description: sub-topologies, their nodes, topics and stores. */
    public String describe() {
        StringBuilder out = new StringBuilder("Topology " + applicationId + "\n");
        for (SubTopology sub : subTopologies) {
            out.append("  Sub-topology ").append(sub.id()).append(": reads ").append(sub.sourceTopics());
            if (!sub.stores().isEmpty()) {
                out.append(", stores ").append(sub.stores());
            }
            out.append('\n');
            for (String name : sub.nodes()) {
                NodeSpec node = nodes.get(name);
                String what;
                if (node instanceof NodeSpec.Source s) {
                    what = "source " + name + " <- " + s.topic();
                } else if (node instanceof NodeSpec.Sink s) {
                    what = "sink " + name + " -> " + s.topic();
                } else {
                    Set<String> used = ((NodeSpec.Operator) node).stores();
                    what = "processor " + name + (used.isEmpty() ? "" : " " + used);
                }
                out.append("    ").append(what);
                List<String> kids = children.get(name);
                if (!kids.isEmpty()) {
                    out.append(" --> ").append(String.join(", ", kids));
                }
                out.append('\n');
            }
        }
        return out.toString();
    }
}
