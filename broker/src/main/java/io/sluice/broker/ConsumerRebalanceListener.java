package io.sluice.broker;

import java.util.Collection;

/**
 * Told when a subscribed consumer's partitions change. Called from inside {@link Consumer#poll}, on the consumer's
 * thread. Revocation comes first, while the consumer still owns the partitions, so it can commit or flush state;
 * the group hands a partition to another member only after its owner has revoked it.
 */
public interface ConsumerRebalanceListener {

    /** The consumer is about to give these partitions up; their positions are still readable. */
    void onPartitionsRevoked(Collection<TopicPartition> partitions);

    /** The consumer now owns these partitions; their positions are set. */
    void onPartitionsAssigned(Collection<TopicPartition> partitions);

    /** A listener that does nothing. */
    ConsumerRebalanceListener NONE = new ConsumerRebalanceListener() {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        }
    };
}
