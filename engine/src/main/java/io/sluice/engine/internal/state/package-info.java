/**
 * State stores — key-value, window and session; in memory or in RocksDB — with change logging: writes mark keys
 * dirty and a flush sends each dirty key's latest value to the changelog partition. Changelog key layouts: a
 * key-value store logs the serialized key; a window store {@code [key][window start: 8 bytes]}; a session store
 * {@code [key][end: 8][start: 8]}, big-endian, as Kafka Streams does.
 */
package io.sluice.engine.internal.state;
