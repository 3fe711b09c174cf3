/**
 * Durable partition logs in Kafka's on-disk layout: segments of RecordBatch v2 batches with sparse offset and time
 * indexes, recovery on open, retention and compaction. A {@link io.sluice.broker.internal.log.PartitionLog} has a
 * single writer (its journal thread) and any number of concurrent readers, bounded by the high watermark.
 */
package io.sluice.broker.internal.log;
