package io.sluice.broker;

/**
 * A partition's extent.
 *
 * @param partition   the partition number
 * @param startOffset the first readable offset (records before it were removed by retention)
 * @param endOffset   the offset the next record will get
 * @param sizeBytes   bytes on disk
 */
public record PartitionDescription(int partition, long startOffset, long endOffset, long sizeBytes) {
}
