package io.sluice.broker;

/**
 * Where an acknowledged record was stored.
 *
 * @param topicPartition the partition the record was appended to
 * @param offset         its offset, or {@link #UNKNOWN_OFFSET} when sent with {@code acks=0}
 * @param timestamp      its stored timestamp: the create time, or the log-append time on such topics
 */
public record RecordMetadata(TopicPartition topicPartition, long offset, long timestamp) {
    /** The offset reported for records sent with {@code acks=0}, which are not waited for. */
    public static final long UNKNOWN_OFFSET = -1L;
}
