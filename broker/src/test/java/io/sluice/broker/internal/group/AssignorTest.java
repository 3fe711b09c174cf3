package io.sluice.broker.internal.group;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.broker.TopicPartition;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AssignorTest {

    private static List<TopicPartition> partitions(String topic, int count) {
        List<TopicPartition> list = new ArrayList<>();
        for (int p = 0; p < count; p++) {
            list.add(new TopicPartition(topic, p));
        }
        return list;
    }

    @Test
    void shouldKeepCoPartitionedTopicsTogetherAndBalanced() {
        List<TopicPartition> all = new ArrayList<>(partitions("orders", 4));
        all.addAll(partitions("orders-repartition", 4));
        all.addAll(partitions("products", 4));
        Map<String, Set<String>> subscriptions = new HashMap<>();
        for (String member : List.of("a", "b", "c")) {
            subscriptions.put(member, Set.of("orders", "orders-repartition", "products"));
        }
        Map<String, Set<TopicPartition>> assigned = Assignor.assign(subscriptions, all, Map.of());
        for (Set<TopicPartition> partitions : assigned.values()) {
            // Whoever has partition p of one topic has partition p of the other two.
            for (TopicPartition tp : partitions) {
                assertThat(partitions).contains(new TopicPartition("orders", tp.partition()),
                        new TopicPartition("orders-repartition", tp.partition()),
                        new TopicPartition("products", tp.partition()));
            }
        }
        assertThat(assigned.values()).extracting(Set::size).containsExactlyInAnyOrder(6, 3, 3);
    }

    @Test
    void shouldMoveAsLittleAsBalanceNeedsWhenAMemberJoins() {
        List<TopicPartition> all = new ArrayList<>(partitions("in", 6));
        all.addAll(partitions("table", 6));
        Map<String, Set<String>> one = Map.of("a", Set.of("in", "table"));
        Map<String, Set<TopicPartition>> before = Assignor.assign(one, all, Map.of());
        assertThat(before.get("a")).hasSize(12);

        Map<String, Set<String>> two = Map.of("a", Set.of("in", "table"), "b", Set.of("in", "table"));
        Map<String, Set<TopicPartition>> after = Assignor.assign(two, all, before);
        assertThat(after.get("a")).hasSize(6);
        assertThat(after.get("b")).hasSize(6);
        for (TopicPartition tp : after.get("b")) {
            assertThat(after.get("b")).contains(new TopicPartition("table", tp.partition()));
        }
    }

    @Test
    void shouldGiveEachTopicOnlyToItsSubscribers() {
        List<TopicPartition> all = new ArrayList<>(partitions("x", 3));
        all.addAll(partitions("y", 3));
        Map<String, Set<String>> subscriptions = Map.of("a", Set.of("x"), "b", Set.of("x", "y"));
        Map<String, Set<TopicPartition>> assigned = Assignor.assign(subscriptions, all, Map.of());
        assertThat(assigned.get("a")).allSatisfy(tp -> assertThat(tp.topic()).isEqualTo("x"));
        assertThat(assigned.get("b")).containsAll(partitions("y", 3));
        assertThat(assigned.get("a").size() + assigned.get("b").size()).isEqualTo(6);
        assertThat(assigned.get("a")).isNotEmpty();
    }
}
