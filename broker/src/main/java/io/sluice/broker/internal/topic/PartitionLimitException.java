package io.sluice.broker.internal.topic;

import io.sluice.broker.InvalidPartitionException;

/**
 * A change refused by a partition limit ({@link PartitionLimits}). Over the Kafka protocol it is a policy violation
 * when the limit is the request's or the broker's — the count asked is fine in itself, this broker will not take
 * it now — and INVALID_PARTITIONS when it is the topic's.
 */
public final class PartitionLimitException extends InvalidPartitionException {
    private static final long serialVersionUID = 1L;
    private final boolean policyViolation;

    PartitionLimitException(String message, boolean policyViolation) {
        super(message);
        this.policyViolation = policyViolation;
    }

    public boolean policyViolation() {
        return policyViolation;
    }
}
