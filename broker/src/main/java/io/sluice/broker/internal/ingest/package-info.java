/**
 * The ingest path: producers publish records into a Disruptor ring per shard; one journal thread per shard owns
 * its partitions' logs and writes them with smart batching.
 *
 * <pre>
 *   producer threads ──publish──► ring (multi-producer, preallocated IngestEvents)
 *                                   │
 *                                   ▼
 *                    sluice-journal-N (JournalHandler, single writer of its partitions)
 *                      onEvent: group records by partition
 *                      endOfBatch: encode one batch per partition ─► append ─► fsync if due
 *                                  ─► publish high watermark ─► complete sends ─► wake readers
 * </pre>
 *
 * Control work that must not race the writer (retention, compaction swaps, partition changes) is submitted to the
 * same ring as a task and runs between drained runs.
 *
 * <p>A partition whose log cannot be written or fsynced (a full disk) refuses records for a backoff, then lets the
 * next run through as a probe; see {@link io.sluice.broker.internal.ingest.PartitionWriter} and
 * {@link io.sluice.broker.internal.ingest.StorageHealth}.
 */
package io.sluice.broker.internal.ingest;
