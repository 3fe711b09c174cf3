/**
 * Topics and their partitions: names, configs, the metadata file and checkpoints in the data directory, and the
 * wiring of each partition to its log, its journal shard and the readers waiting for it.
 */
package io.sluice.broker.internal.topic;
