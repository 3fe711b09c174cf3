/**
 * The connector runtime: configs parsed and checked, a thread per task, source offsets in a compacted topic.
 *
 * <pre>
 *   SourceWorker thread:  task.poll ──► producer.send ──► every offset.flush.interval.ms: flush ──► OffsetStore
 *   SinkWorker thread:    consumer.poll ──► task.put ──► every offset.flush.interval.ms: task.flush ──► commitSync
 * </pre>
 */
package io.sluice.connectors.internal;
