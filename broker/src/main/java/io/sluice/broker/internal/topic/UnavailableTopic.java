package io.sluice.broker.internal.topic;

import io.sluice.broker.StorageException;
import io.sluice.broker.internal.topic.MetadataStore.TopicRecord;

/**
 * A topic of the metadata file that the broker did not open when it started: more partitions than its limits allow,
 * or a partition whose log could not be opened. It stays recorded with its files, none of its partitions served,
 * and can be deleted; any other use fails with the reason.
 */
record UnavailableTopic(TopicRecord record, RuntimeException reason) {

    /** The error a use of the topic fails with: of the reason's kind, naming the topic and what can be done. */
    RuntimeException error() {
        String message = "Topic is unavailable: topic=" + record.name() + ", partitions=" + record.partitions()
                + ", reason=" + reason.getMessage() + "; delete it, or "
                + (reason instanceof PartitionLimitException ? "raise the limit" : "repair its files") + " and restart";
        if (reason instanceof PartitionLimitException limit) {
            return new PartitionLimitException(message, limit.policyViolation());
        }
        return new StorageException(message, reason);
    }
}
