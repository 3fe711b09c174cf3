package io.sluice.broker;

import java.util.Objects;

/**
 * A partition of a topic: the unit of ordering, storage and assignment.
 *
 * @param topic     the topic name
 * @param partition the partition number, from 0
 */
public record TopicPartition(String topic, int partition) implements Comparable<TopicPartition> {

    public TopicPartition {
        Objects.requireNonNull(topic, "topic");
        if (partition < 0) {
            throw new IllegalArgumentException("Negative partition: topic=" + topic + ", partition=" + partition);
        }
    }

    @Override
    public int compareTo(TopicPartition other) {
        int byTopic = topic.compareTo(other.topic);
        return byTopic != 0 ? byTopic : Integer.compare(partition, other.partition);
    }

    /** Kafka's notation, {@code topic-partition}, as used in directory names and logs. */
    @Override
    public String toString() {
        return topic + "-" + partition;
    }
}
