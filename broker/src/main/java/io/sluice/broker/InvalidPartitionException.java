package io.sluice.broker;

/** A partition number outside the topic's partitions, or an invalid partition count. */
public class InvalidPartitionException extends SluiceException {
    private static final long serialVersionUID = 1L;

    public InvalidPartitionException(String message) {
        super(message);
    }

    public static InvalidPartitionException outOfRange(String topic, int partition, int partitionCount) {
        return new InvalidPartitionException("Partition out of range: topic=" + topic + ", partition=" + partition
                + ", partitions=" + partitionCount);
    }
}
