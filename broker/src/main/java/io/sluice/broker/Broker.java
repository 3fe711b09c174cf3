package io.sluice.broker;

import io.sluice.broker.internal.BrokerCore;
import io.sluice.broker.internal.client.EmbeddedAdmin;
import io.sluice.broker.internal.client.EmbeddedConsumer;
import io.sluice.broker.internal.client.EmbeddedProducer;
import io.sluice.broker.internal.net.KafkaServer;
import io.sluice.broker.internal.net.Listener;
import java.nio.file.Path;

/**
 * An embedded sluice broker: durable, partitioned topics in a data directory, served to producers, consumers and
 * admin clients in the same JVM without any network hop.
 *
 * <pre>{@code
 * try (Broker broker = Broker.start(Path.of("data"));
 *      Admin admin = broker.admin();
 *      Producer producer = broker.producer()) {
 *     admin.createTopic(NewTopic.of("orders", 6));
 *     producer.send(ProducerRecord.of("orders", "order-7", "{\"amount\":42}")).join();
 * }
 * }</pre>
 *
 * <p>Starting opens the data directory (only one broker may use it at a time) and recovers every partition log:
 * after a crash, a torn write at the end of a log is cut off and indexes are rebuilt, so every record that was
 * acknowledged under the topic's flush policy is there. {@link #close()} writes and acknowledges everything sent
 * before it, fsyncs the logs and marks the directory clean. Thread-safe.
 */
public final class Broker implements Cluster {
    private final BrokerCore core;
    /** Serves the Kafka protocol when {@code listeners} is set; null otherwise. */
    private final KafkaServer server;

    private Broker(BrokerCore core, KafkaServer server) {
        this.core = core;
        this.server = server;
    }

    /**
     * Starts a broker with the given configuration; with {@code listeners} set, it also serves Kafka clients over
     * TCP there.
     */
    public static Broker start(BrokerConfig config) {
        BrokerCore core = BrokerCore.start(config);
        try {
            Listener listener = config.listener();
            KafkaServer server = listener == null ? null : KafkaServer.start(core, listener,
                    config.advertisedListener());
            return new Broker(core, server);
        } catch (RuntimeException e) {
            core.close();
            throw e;
        }
    }

    /** Starts a broker with default settings, storing its data in {@code dataDir}. */
    public static Broker start(Path dataDir) {
        return start(BrokerConfig.builder(dataDir).build());
    }

    @Override
    public Producer producer() {
        return producer(ProducerConfig.defaults());
    }

    @Override
    public Producer producer(ProducerConfig config) {
        core.ensureOpen();
        return new EmbeddedProducer(core, config);
    }

    /** A consumer without a group: use {@link Consumer#assign}. */
    @Override
    public Consumer consumer() {
        return consumer(ConsumerConfig.defaults());
    }

    @Override
    public Consumer consumer(ConsumerConfig config) {
        core.ensureOpen();
        return new EmbeddedConsumer(core, config);
    }

    @Override
    public Admin admin() {
        core.ensureOpen();
        return new EmbeddedAdmin(core);
    }

    public BrokerConfig config() {
        return core.config();
    }

    /**
     * The broker's metrics now: per partition, records and bytes in and out since start, its offsets and size and
     * the records refused because its log could not be written; how many partitions refuse writes for that reason
     * now; per consumer group and partition, the committed offset and the lag behind the end; with a listener, per
     * kind of Kafka request, how many were answered and the quantiles of their times in the broker.
     */
    public java.util.List<Metric> metrics() {
        core.ensureOpen();
        java.util.List<Metric> metrics = io.sluice.broker.internal.BrokerMetrics.collect(core);
        if (server != null) {
            metrics.addAll(server.metrics());
        }
        return metrics;
    }

    /** The id generated when the data directory was first used. */
    @Override
    public String clusterId() {
        return core.registry().clusterId();
    }

    /**
     * Where Kafka clients reach this broker ({@code host:port}, the port bound when 0 was asked), if it serves
     * the Kafka protocol.
     */
    public java.util.Optional<String> bootstrapServers() {
        return server == null ? java.util.Optional.empty()
                : java.util.Optional.of(server.bound().host() + ":" + server.bound().port());
    }

    /** Stops the broker: pending records are written and acknowledged, logs fsynced. Idempotent. */
    @Override
    public void close() {
        if (server != null) {
            server.close();
        }
        core.close();
    }
}
