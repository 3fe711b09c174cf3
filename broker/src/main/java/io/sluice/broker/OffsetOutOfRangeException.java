package io.sluice.broker;

/**
 * A consumer position outside the partition's log, with {@code auto.offset.reset=none}: the records were deleted
 * by retention, or the offset was never written.
 */
public class OffsetOutOfRangeException extends SluiceException {
    private static final long serialVersionUID = 1L;
    private final TopicPartition topicPartition;
    private final long offset;

    public OffsetOutOfRangeException(TopicPartition topicPartition, long offset, long startOffset, long endOffset) {
        super("Offset out of range: partition=" + topicPartition + ", offset=" + offset + ", logStartOffset="
                + startOffset + ", logEndOffset=" + endOffset);
        this.topicPartition = topicPartition;
        this.offset = offset;
    }

    public TopicPartition topicPartition() {
        return topicPartition;
    }

    public long offset() {
        return offset;
    }
}
