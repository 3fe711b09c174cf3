package io.sluice.broker.internal.group;

import io.sluice.broker.TopicPartition;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Shares partitions among group members: each partition goes to a member subscribed to its topic; loads differ by
 * at most one where subscriptions allow; a partition stays with its current member unless balance needs it
 * elsewhere (sticky), so that a rebalance moves as little state as possible.
 */
final class Assignor {
    private Assignor() {
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
        Map<String, Set<TopicPartition>> result = new HashMap<>();
        List<String> members = new ArrayList<>(subscriptions.keySet());
        members.sort(Comparator.naturalOrder());
        for (String member : members) {
            result.put(member, new TreeSet<>());
        }
        if (members.isEmpty()) {
            return result;
        }
        List<TopicPartition> sorted = new ArrayList<>(partitions);
        sorted.sort(Comparator.naturalOrder());
        List<TopicPartition> unassigned = new ArrayList<>();
        // Sticky pass: keep what a member had, if it still subscribes to the topic.
        for (TopicPartition tp : sorted) {
            String owner = previousOwner(previous, tp);
            if (owner != null && subscriptions.containsKey(owner) && subscriptions.get(owner).contains(tp.topic())) {
                result.get(owner).add(tp);
            } else {
                unassigned.add(tp);
            }
        }
        // New partitions go to the least loaded eligible member.
        for (TopicPartition tp : unassigned) {
            String target = null;
            for (String member : members) {
                if (subscriptions.get(member).contains(tp.topic())
                        && (target == null || result.get(member).size() < result.get(target).size())) {
                    target = member;
                }
            }
            if (target != null) {
                result.get(target).add(tp);
            }
        }
        balance(subscriptions, members, result);
        return result;
    }

    /** Moves partitions from the most to less loaded eligible members until no move narrows the gap. */
    private static void balance(Map<String, Set<String>> subscriptions, List<String> members,
                                Map<String, Set<TopicPartition>> result) {
        boolean moved = true;
        while (moved) {
            moved = false;
            List<String> byLoad = new ArrayList<>(members);
            byLoad.sort(Comparator.<String>comparingInt(m -> result.get(m).size()).reversed()
                    .thenComparing(Comparator.naturalOrder()));
            outer:
            for (String heavy : byLoad) {
                for (TopicPartition tp : new ArrayList<>(((TreeSet<TopicPartition>) result.get(heavy))
                        .descendingSet())) {
                    for (int i = byLoad.size() - 1; i >= 0; i--) {
                        String light = byLoad.get(i);
                        if (result.get(light).size() + 1 < result.get(heavy).size()
                                && subscriptions.get(light).contains(tp.topic())) {
                            result.get(heavy).remove(tp);
                            result.get(light).add(tp);
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
