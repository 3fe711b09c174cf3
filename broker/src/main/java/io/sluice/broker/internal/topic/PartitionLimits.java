package io.sluice.broker.internal.topic;

import io.sluice.broker.BrokerConfig;

/**
 * How many partitions a change may make, checked before anything is written or opened: at most
 * {@value #MAX_PER_REQUEST} new partitions per request (Kafka's controller limit, with its message), at most
 * {@code max.topic.partitions} in one topic and {@code max.broker.partitions} on the broker. Immutable.
 */
public final class PartitionLimits {
    /** Kafka's {@code ReplicationControlManager.MAX_PARTITIONS_PER_BATCH}. */
    public static final int MAX_PER_REQUEST = 10_000;

    private final int maxPerTopic;
    private final int maxPerBroker;

    PartitionLimits(int maxPerTopic, int maxPerBroker) {
        this.maxPerTopic = maxPerTopic;
        this.maxPerBroker = maxPerBroker;
    }

    static PartitionLimits of(BrokerConfig config) {
        return new PartitionLimits(config.maxTopicPartitions(), config.maxBrokerPartitions());
    }

    /**
     * Refuses a request that adds more than {@value #MAX_PER_REQUEST} partitions in all ({@code requestNewPartitions})
     * as Kafka does. The error is reported for one topic of the request: {@code newPartitions} of its
     * {@code partitions} are new.
     */
    public void checkRequest(String topic, long partitions, long newPartitions, long requestNewPartitions) {
        if (requestNewPartitions > MAX_PER_REQUEST) {
            throw new PartitionLimitException("Excessively large number of partitions per request: topic=" + topic
                    + ", partitions=" + partitions
                    + (newPartitions == partitions ? "" : ", newPartitions=" + newPartitions)
                    + (requestNewPartitions == newPartitions ? "" : ", requestNewPartitions=" + requestNewPartitions)
                    + ", limit=" + MAX_PER_REQUEST, true);
        }
    }

    /** Refuses a topic of more than {@code max.topic.partitions} partitions. */
    void checkTopic(String topic, long partitions) {
        if (partitions > maxPerTopic) {
            throw new PartitionLimitException("Too many partitions for one topic: topic=" + topic + ", partitions="
                    + partitions + ", limit=" + maxPerTopic + " (" + BrokerConfig.MAX_TOPIC_PARTITIONS + ")", false);
        }
    }

    /** Refuses {@code newPartitions} more on a broker that has {@code brokerPartitions} if that exceeds its limit. */
    void checkBroker(String topic, long newPartitions, long brokerPartitions) {
        if (brokerPartitions + newPartitions > maxPerBroker) {
            throw new PartitionLimitException("Too many partitions on this broker: topic=" + topic + ", newPartitions="
                    + newPartitions + ", brokerPartitions=" + brokerPartitions + ", limit=" + maxPerBroker + " ("
                    + BrokerConfig.MAX_BROKER_PARTITIONS + ")", true);
        }
    }

    /** The three checks, for {@code newPartitions} that make a topic {@code partitions} long. */
    void check(String topic, long partitions, long newPartitions, long brokerPartitions) {
        checkRequest(topic, partitions, newPartitions, newPartitions);
        checkTopic(topic, partitions);
        checkBroker(topic, newPartitions, brokerPartitions);
    }
}
