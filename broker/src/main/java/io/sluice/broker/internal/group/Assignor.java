package io.sluice.broker.internal.group;

import io.sluice.broker.TopicPartition;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Shares partitions among group members: each partition goes to a member subscribed to its topic; loads differ as
 * little as subscriptions allow; a partition stays with its current member unless balance needs it elsewhere
 * (sticky), so that a rebalance moves as little state as possible.
 *
 * <p>Partitions that belong together move together: the partitions with the same number of topics that have as
 * many partitions and the same subscribers (co-partitioned topics, as a stream job's inputs are) form one unit,
 * assigned to one member — as Kafka's range assignor keeps them aligned. A stream task reads partition p of each
 * of its inputs and must get all of them.
 */
final class Assignor {
    private Assignor() {
    }

    /** Partitions assigned to one member together, and the members that may take them. */
    private record Unit(List<TopicPartition> partitions, Set<String> eligible) {
        int size() {
            return partitions.size();
        }
    }

    /**
     * @param subscriptions member id → subscribed topics
     * @param partitions    every partition of every subscribed topic
     * @param previous      member id → partitions it was assigned before
     * @return member id → partitions, for every member
     */
    static Map<String, Set<TopicPartition>> assign(Map<String, Set<String>> subscriptions,
                                                  List<TopicPartition> partitions,
                                                  Map<String, Set<TopicPartition>> previous) {
        List<String> members = new ArrayList<>(subscriptions.keySet());
        members.sort(Comparator.naturalOrder());
        Map<String, List<Unit>> held = new HashMap<>();
        members.forEach(m -> held.put(m, new ArrayList<>()));
        List<Unit> unassigned = new ArrayList<>();
        // Sticky pass: a unit stays with the member that had its first partition, if it may still take it.
        for (Unit unit : units(subscriptions, partitions)) {
            String owner = previousOwner(previous, unit.partitions().get(0));
            if (owner != null && unit.eligible().contains(owner)) {
                held.get(owner).add(unit);
            } else {
                unassigned.add(unit);
            }
        }
        // New units go to the least loaded eligible member.
        for (Unit unit : unassigned) {
            String target = null;
            for (String member : members) {
                if (unit.eligible().contains(member) && (target == null || load(held, member) < load(held, target))) {
                    target = member;
                }
            }
            if (target != null) {
                held.get(target).add(unit);
            }
        }
        balance(members, held);
        Map<String, Set<TopicPartition>> result = new HashMap<>();
        for (String member : members) {
            Set<TopicPartition> assigned = new TreeSet<>();
            held.get(member).forEach(u -> assigned.addAll(u.partitions()));
            result.put(member, assigned);
        }
        return result;
    }

    /** Groups the partitions into units: same partition number, same partition count, same subscribers. */
    private static List<Unit> units(Map<String, Set<String>> subscriptions, List<TopicPartition> partitions) {
        Map<String, Integer> counts = new HashMap<>();
        partitions.forEach(tp -> counts.merge(tp.topic(), 1, Integer::sum));
        List<TopicPartition> sorted = new ArrayList<>(partitions);
        sorted.sort(Comparator.naturalOrder());
        Map<List<Object>, Unit> units = new LinkedHashMap<>();
        for (TopicPartition tp : sorted) {
            Set<String> subscribers = new TreeSet<>();
            subscriptions.forEach((member, topics) -> {
                if (topics.contains(tp.topic())) {
                    subscribers.add(member);
                }
            });
            units.computeIfAbsent(List.of(subscribers, counts.get(tp.topic()), tp.partition()),
                    key -> new Unit(new ArrayList<>(), subscribers)).partitions().add(tp);
        }
        return new ArrayList<>(units.values());
    }

    private static int load(Map<String, List<Unit>> held, String member) {
        int partitions = 0;
        for (Unit unit : held.get(member)) {
            partitions += unit.size();
        }
        return partitions;
    }

    /** Moves units from the most to less loaded eligible members while a move narrows the gap between them. */
    private static void balance(List<String> members, Map<String, List<Unit>> held) {
        boolean moved = true;
        while (moved) {
            moved = false;
            List<String> byLoad = new ArrayList<>(members);
            byLoad.sort(Comparator.<String>comparingInt(m -> load(held, m)).reversed()
                    .thenComparing(Comparator.naturalOrder()));
            outer:
            for (String heavy : byLoad) {
                List<Unit> units = held.get(heavy);
                for (int u = units.size() - 1; u >= 0; u--) {
                    Unit unit = units.get(u);
                    for (int i = byLoad.size() - 1; i >= 0; i--) {
                        String light = byLoad.get(i);
                        if (load(held, light) + unit.size() < load(held, heavy) && unit.eligible().contains(light)) {
                            units.remove(u);
                            held.get(light).add(unit);
                            moved = true;
                            break outer;
                        }
                    }
                }
            }
        }
    }

    private static String previousOwner(Map<String, Set<TopicPartition>> previous, TopicPartition tp) {
        for (Map.Entry<String, Set<TopicPartition>> e : previous.entrySet()) {
            if (e.getValue().contains(tp)) {
                return e.getKey();
            }
        }
        return null;
    }
}
