package io.sluice.broker;

import io.sluice.broker.internal.remote.RemoteAdmin;
import io.sluice.broker.internal.remote.RemoteConsumer;
import io.sluice.broker.internal.remote.RemoteProducer;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * sluice's client API — {@link Admin}, {@link Producer}, {@link Consumer} — against a cluster reached over the Kafka
 * protocol: a sluice broker's listener, or Apache Kafka, Redpanda and the like. The same code runs embedded or
 * remote.
 *
 * <pre>{@code
 * try (RemoteCluster cluster = RemoteCluster.connect("localhost:9092");
 *      Producer producer = cluster.producer()) {
 *     producer.send(ProducerRecord.of("orders", "order-7", "{\"amount\":42}")).join();
 * }
 * }</pre>
 */
public final class RemoteCluster implements Cluster {
    /** Keys of sluice's client configs that only the embedded clients know. */
    private static final Set<String> EMBEDDED_ONLY = Set.of(ProducerConfig.ENCODE_ON_SEND,
            ProducerConfig.WAKE_ON_HAND_OFF);

    private final String bootstrapServers;
    private final Map<String, String> clientProperties;

    private RemoteCluster(String bootstrapServers, Map<String, String> clientProperties) {
        this.bootstrapServers = bootstrapServers;
        this.clientProperties = clientProperties;
    }

    /** A cluster at {@code bootstrapServers} ({@code host:port,…}); clients connect when they are created. */
    public static RemoteCluster connect(String bootstrapServers) {
        return connect(bootstrapServers, Map.of());
    }

    /**
     * As {@link #connect(String)}, every client created with Kafka's client {@code properties} as well: what the
     * cluster asks of its clients ({@code security.protocol}, {@code sasl.*}, {@code ssl.*}) and Kafka's own tuning
     * ({@code linger.ms}, {@code compression.type}, …). Settings of sluice's client configs (acks, group.id, …) are
     * applied over them.
     */
    public static RemoteCluster connect(String bootstrapServers, Map<String, String> properties) {
        if (bootstrapServers == null || bootstrapServers.isBlank()) {
            throw new InvalidConfigException("Invalid client config: key=bootstrap.servers, value="
                    + bootstrapServers + ", reason=host:port of at least one broker is needed");
        }
        if (properties.containsKey("bootstrap.servers")) {
            throw new InvalidConfigException("Invalid client config: key=bootstrap.servers, reason=given twice: "
                    + "as the cluster's address and among its client properties");
        }
        return new RemoteCluster(bootstrapServers, Map.copyOf(properties));
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    private volatile String clusterId;

    @Override
    public String clusterId() {
        if (clusterId == null) {
            try (var admin = org.apache.kafka.clients.admin.AdminClient.create(properties(Map.of()))) {
                clusterId = io.sluice.broker.internal.remote.RemoteAdmin.clusterIdOf(admin);
            }
        }
        return clusterId;
    }

    @Override
    public Admin admin() {
        return new RemoteAdmin(properties(Map.of()));
    }

    @Override
    public Producer producer() {
        return producer(ProducerConfig.defaults());
    }

    @Override
    public Producer producer(ProducerConfig config) {
        Properties p = properties(config.values());
        p.putIfAbsent("max.block.ms", "15000"); // an unknown topic fails in seconds, not a minute
        return new RemoteProducer(p);
    }

    @Override
    public Consumer consumer() {
        return consumer(ConsumerConfig.defaults());
    }

    @Override
    public Consumer consumer(ConsumerConfig config) {
        Properties p = properties(config.values());
        if (!p.containsKey("group.id")) {
            p.put("enable.auto.commit", "false"); // nothing to commit to: Kafka's consumer refuses it
        }
        return new RemoteConsumer(p);
    }

    private Properties properties(Map<String, Object> values) {
        Properties p = new Properties();
        p.putAll(clientProperties);
        values.forEach((k, v) -> {
            // An empty value means "not set" to sluice (a consumer without a group); Kafka rejects some of them.
            if (v != null && !v.toString().isEmpty() && !EMBEDDED_ONLY.contains(k)) {
                p.put(k, v instanceof Enum<?> e ? e.name().toLowerCase(java.util.Locale.ROOT) : v.toString());
            }
        });
        p.put("bootstrap.servers", bootstrapServers);
        return p;
    }

    /** Nothing to release: each client closes its own connections. */
    @Override
    public void close() {
    }
}
