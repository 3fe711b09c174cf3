/**
 * The running broker ({@link io.sluice.broker.internal.BrokerCore}) and its parts, in the order a record passes
 * through them: {@code client} (embedded producer, consumer, admin) → {@code ingest} (Disruptor rings and journal
 * threads) → {@code log} (partition logs on disk) → {@code topic} (topics, partitions, metadata) and {@code group}
 * (consumer groups and committed offsets).
 */
package io.sluice.broker.internal;
