/**
 * Connectors move records between topics and other systems, continuously. A {@link SourceConnector} splits its
 * work into {@link SourceTask}s that poll an outside system and hand back {@link SourceRecord}s, each with the
 * position it came from; {@link Connect} sends them to their topics and stores those positions in a compacted
 * topic once the records are acknowledged, so that a restarted source resumes where it stopped. A
 * {@link SinkConnector}'s {@link SinkTask}s get the records of their topics through a consumer group and write them
 * out; their offsets are committed only after {@link SinkTask#flush} says the outside write succeeded
 * (at-least-once).
 *
 * <pre>
 *   source task thread:  task.poll() ──► producer.send ──► (every offset.flush.interval.ms) flush ──► offsets topic
 *   sink task thread:    consumer.poll ──► task.put ──► (every offset.flush.interval.ms) task.flush ──► commit
 * </pre>
 *
 * Configuration uses Kafka Connect's keys: {@code name}, {@code connector.class}, {@code tasks.max}, {@code topics}
 * for sinks, and each connector's own keys; an unknown or missing key is named in the error.
 */
package io.sluice.connectors;
