/**
 * The public API of the sluice broker: start an embedded {@link io.sluice.broker.Broker}, then publish with a
 * {@link io.sluice.broker.Producer}, read with a {@link io.sluice.broker.Consumer} (alone or in a consumer group)
 * and manage topics with {@link io.sluice.broker.Admin}.
 *
 * <p>Records are Kafka's: a key and a value (bytes, either may be null), a timestamp and headers, stored in
 * partitioned topics in Kafka's RecordBatch v2 format; a key goes to the partition Kafka clients would choose.
 * Configuration keys are Kafka's. Every error is a {@link io.sluice.broker.SluiceException} subclass whose message
 * names the topic, partition, offset, file or config key involved.
 *
 * <p>Everything under {@code io.sluice.broker.internal} is implementation and may change without notice.
 */
package io.sluice.broker;
