package io.sluice.broker.internal;

import io.sluice.broker.Callback;

/**
 * A callback for a producer's batch appended as it is (a Kafka client's): the broker calls it once for the whole
 * batch — with the first record's metadata, or the failure — rather than once per record, so that a batch of a few
 * hundred records costs one call and one {@link io.sluice.broker.RecordMetadata}, not a few hundred.
 */
public interface WholeBatchCallback extends Callback {
}
