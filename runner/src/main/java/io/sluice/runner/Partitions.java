package io.sluice.runner;

import io.sluice.broker.Consumer;
import io.sluice.broker.OffsetAndTimestamp;
import io.sluice.broker.TopicPartition;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Choosing a topic's partitions and positions in them from command-line options. */
final class Partitions {
    private Partitions() {
    }

    /** The topic's partitions numbered in {@code only}, or all of them if it is empty; unknown ones fail. */
    static List<TopicPartition> chosen(Consumer consumer, String topic, List<Integer> only) {
        List<TopicPartition> all = consumer.partitionsFor(topic); // fails clearly for an unknown topic
        if (only.isEmpty()) {
            return all;
        }
        List<TopicPartition> chosen = new ArrayList<>();
        for (int p : only) {
            if (p < 0 || p >= all.size()) {
                throw new IllegalArgumentException("No partition " + p + " in topic " + topic + ": it has "
                        + all.size());
            }
            chosen.add(new TopicPartition(topic, p));
        }
        return chosen;
    }

    /** Per partition, the offset of the first record at or after {@code millis}, or the end if there is none. */
    static Map<TopicPartition, Long> offsetsAt(Consumer consumer, List<TopicPartition> partitions, long millis) {
        Map<TopicPartition, Long> query = new LinkedHashMap<>();
        partitions.forEach(tp -> query.put(tp, millis));
        Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(query);
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
        Map<TopicPartition, Long> offsets = new LinkedHashMap<>();
        for (TopicPartition tp : partitions) {
            OffsetAndTimestamp at = found.get(tp);
            offsets.put(tp, at == null ? end.get(tp) : at.offset());
        }
        return offsets;
    }
}
