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

    /**
     * The consumer now owns these partitions. They start at the group's committed offsets (or per
     * {@code auto.offset.reset}); seek here to start elsewhere.
     */
    void onPartitionsAssigned(Collection<TopicPartition> partitions);

    /**
     * The consumer lost these partitions without giving them up — it was removed from the group for not polling
     * within {@code max.poll.interval.ms} — and others may own them already: do not commit for them. By default,
     * handled as a revocation.
     */
    default void onPartitionsLost(Collection<TopicPartition> partitions) {
        onPartitionsRevoked(partitions);
    }

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
