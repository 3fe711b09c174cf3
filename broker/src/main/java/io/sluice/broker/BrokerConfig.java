package io.sluice.broker;

import static io.sluice.broker.config.ConfigDefinition.Type.BOOLEAN;
import static io.sluice.broker.config.ConfigDefinition.Type.INT;
import static io.sluice.broker.config.ConfigDefinition.Type.LONG;
import static io.sluice.broker.config.ConfigDefinition.Type.STRING;

import io.sluice.broker.config.ConfigDefinition;
import io.sluice.broker.config.ConfigDefinition.Check;
import io.sluice.broker.internal.log.LogConfig;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The validated configuration of an embedded broker. Keys are Kafka's broker keys where the concept is the same;
 * the topic defaults ({@code log.retention.ms}, {@code log.segment.bytes}, {@code message.max.bytes}, …) map to the
 * topic keys as in Kafka. Immutable; an unknown key or a bad value fails with {@link InvalidConfigException} naming
 * the key.
 *
 * <pre>{@code
 * BrokerConfig config = BrokerConfig.builder(Path.of("data"))
 *         .set("log.retention.ms", 3_600_000)
 *         .build();
 * }</pre>
 */
public final class BrokerConfig {
    public static final String LOG_DIRS = "log.dirs";
    public static final String NUM_PARTITIONS = "num.partitions";
    public static final String MAX_TOPIC_PARTITIONS = "max.topic.partitions";
    public static final String MAX_BROKER_PARTITIONS = "max.broker.partitions";
    public static final String AUTO_CREATE_TOPICS_ENABLE = "auto.create.topics.enable";
    public static final String LOG_RETENTION_CHECK_INTERVAL_MS = "log.retention.check.interval.ms";
    public static final String LOG_CLEANER_ENABLE = "log.cleaner.enable";
    public static final String LOG_CLEANER_BACKOFF_MS = "log.cleaner.backoff.ms";
    public static final String LOG_FLUSH_OFFSET_CHECKPOINT_INTERVAL_MS = "log.flush.offset.checkpoint.interval.ms";
    public static final String LOG_FLUSH_SCHEDULER_INTERVAL_MS = "log.flush.scheduler.interval.ms";
    public static final String OFFSETS_TOPIC_NUM_PARTITIONS = "offsets.topic.num.partitions";
    public static final String JOURNAL_THREADS = "journal.threads";
    public static final String JOURNAL_RING_SIZE = "journal.ring.size";
    public static final String JOURNAL_WAIT_STRATEGY = "journal.wait.strategy";
    public static final String LISTENERS = "listeners";
    public static final String ADVERTISED_LISTENERS = "advertised.listeners";
    public static final String SOCKET_REQUEST_MAX_BYTES = "socket.request.max.bytes";
    public static final String MAX_CONNECTIONS = "max.connections";
    public static final String MAX_CONNECTIONS_PER_IP = "max.connections.per.ip";
    public static final String NUM_NETWORK_THREADS = "num.network.threads";
    public static final String QUEUED_MAX_REQUEST_BYTES = "queued.max.request.bytes";
    public static final String CONNECTIONS_MAX_IDLE_MS = "connections.max.idle.ms";

    private static final ConfigDefinition DEFINITION = definition();

    private final Map<String, Object> values;
    private final java.util.Set<String> given;

    private BrokerConfig(Map<String, ?> originals) {
        this.values = Collections.unmodifiableMap(DEFINITION.parse(originals));
        this.given = java.util.Set.copyOf(originals.keySet());
        int ringSize = journalRingSize();
        if (Integer.bitCount(ringSize) != 1) {
            throw new InvalidConfigException("Invalid broker config: key=" + JOURNAL_RING_SIZE + ", value="
                    + ringSize + ", reason=must be a power of two");
        }
        if (dataDirValue().contains(",")) {
            throw new InvalidConfigException("Invalid broker config: key=" + LOG_DIRS + ", value=" + dataDirValue()
                    + ", reason=one data directory is supported");
        }
        topicDefaults(); // validates the topic defaults as topic configs
        listener();
        advertisedListener();
    }

    /** The listener to serve the Kafka protocol on, or null for none. */
    io.sluice.broker.internal.net.Listener listener() {
        String value = (String) values.get(LISTENERS);
        if (value.isBlank()) {
            return null;
        }
        if (value.contains(",")) {
            throw new InvalidConfigException("Invalid broker config: key=" + LISTENERS + ", value=" + value
                    + ", reason=one listener is served");
        }
        return io.sluice.broker.internal.net.Listener.parse(LISTENERS, value);
    }

    /** What Metadata tells clients, or null to tell them the listener's address. */
    io.sluice.broker.internal.net.Listener advertisedListener() {
        String value = (String) values.get(ADVERTISED_LISTENERS);
        return value.isBlank() ? null : io.sluice.broker.internal.net.Listener.parse(ADVERTISED_LISTENERS, value);
    }

    public int socketRequestMaxBytes() {
        return (Integer) values.get(SOCKET_REQUEST_MAX_BYTES);
    }

    public int maxConnections() {
        return (Integer) values.get(MAX_CONNECTIONS);
    }

    public int numNetworkThreads() {
        return (Integer) values.get(NUM_NETWORK_THREADS);
    }

    public int maxConnectionsPerIp() {
        return (Integer) values.get(MAX_CONNECTIONS_PER_IP);
    }

    /** The bytes requests may hold at once: {@code queued.max.request.bytes}, or a quarter of the heap for -1. */
    public long queuedMaxRequestBytes() {
        long value = (Long) values.get(QUEUED_MAX_REQUEST_BYTES);
        return value > 0 ? value : Math.max(1 << 20, Runtime.getRuntime().maxMemory() / 4);
    }

    public long connectionsMaxIdleMs() {
        return (Long) values.get(CONNECTIONS_MAX_IDLE_MS);
    }

    private static ConfigDefinition definition() {
        int cores = Runtime.getRuntime().availableProcessors();
        ConfigDefinition d = new ConfigDefinition("broker")
                .define(LOG_DIRS, STRING, null, "", "the data directory holding the partition logs and metadata")
                .define(NUM_PARTITIONS, INT, 1, Check.atLeast(1), "", "partitions of auto-created topics")
                .define(MAX_TOPIC_PARTITIONS, INT, 10_000, Check.atLeast(1), "",
                        "the most partitions one topic may have; a create or an increase past it is refused "
                                + "(INVALID_PARTITIONS), and a topic found larger at start is not opened (it can "
                                + "still be deleted)")
                .define(MAX_BROKER_PARTITIONS, INT, 20_000, Check.atLeast(1), "",
                        "the most partitions the broker holds in all topics; a create or an increase past it is "
                                + "refused (POLICY_VIOLATION), and topics found past it at start are not opened "
                                + "(they can still be deleted). Measured: an idle partition costs about 1.7 KiB of "
                                + "heap and no file descriptor or memory map; one written and read, about 5 KiB, 3 "
                                + "descriptors and 2 memory maps (its active segment's files). 20,000 written "
                                + "partitions take about 100 MiB of a 1 GiB heap and 40,000 of Linux's default "
                                + "65,530 memory maps per process")
                .define(AUTO_CREATE_TOPICS_ENABLE, BOOLEAN, false, "",
                        "create a topic on first produce to it; off, so that a misspelt topic is an error")
                .define(LOG_RETENTION_CHECK_INTERVAL_MS, LONG, 300_000L, Check.atLeast(1), "ms",
                        "how often retention deletes old segments")
                .define(LOG_CLEANER_ENABLE, BOOLEAN, true, "", "run compaction for cleanup.policy=compact topics")
                .define(LOG_CLEANER_BACKOFF_MS, LONG, 15_000L, Check.atLeast(1), "ms",
                        "how often the cleaner looks for logs to compact")
                .define(LOG_FLUSH_OFFSET_CHECKPOINT_INTERVAL_MS, LONG, 60_000L, Check.atLeast(1), "ms",
                        "how often recovery points and log start offsets are checkpointed")
                .define(LOG_FLUSH_SCHEDULER_INTERVAL_MS, LONG, 100L, Check.atLeast(1), "ms",
                        "how often logs with flush.ms are checked for a due fsync")
                .define(OFFSETS_TOPIC_NUM_PARTITIONS, INT, 1, Check.atLeast(1), "",
                        "partitions of the internal topic that stores committed consumer offsets")
                .define(JOURNAL_THREADS, INT, Math.max(1, Math.min(4, cores / 2)), Check.atLeast(1), "",
                        "ingest rings, each drained by one journal thread that owns its share of the partitions")
                .define(JOURNAL_RING_SIZE, INT, 8_192, Check.atLeast(2), "slots",
                        "records each ingest ring holds before producers block (a power of two)")
                .define(JOURNAL_WAIT_STRATEGY, STRING, "parking",
                        Check.oneOf("parking", "phased", "blocking", "sleeping", "yielding", "busy-spin"), "",
                        "how an idle journal thread waits: parking sleeps until a producer wakes it (little CPU); "
                                + "phased spins 10 µs and yields 100 µs first (lowest latency, a core kept busy "
                                + "under moderate load); the others are the Disruptor's strategies");
        d.define(LISTENERS, STRING, "", "",
                        "where to serve the Kafka protocol, PLAINTEXT://host:port (port 0: any free one); empty: "
                                + "embedded clients only")
                .define(ADVERTISED_LISTENERS, STRING, "", "",
                        "the address Metadata tells clients; empty: the listener's (its host name for 0.0.0.0)")
                .define(SOCKET_REQUEST_MAX_BYTES, INT, 104_857_600, Check.atLeast(1024), "bytes",
                        "the largest request frame a client may send; a larger one closes its connection")
                .define(NUM_NETWORK_THREADS, INT, Math.max(1, Math.min(4, cores / 2)), Check.atLeast(1), "",
                        "threads serving Kafka clients' connections, each its share of them (the first also accepts)")
                .define(MAX_CONNECTIONS, INT, Integer.MAX_VALUE, Check.atLeast(1), "",
                        "client connections served at once; one more is closed as soon as it is accepted")
                .define(MAX_CONNECTIONS_PER_IP, INT, Integer.MAX_VALUE, Check.atLeast(1), "",
                        "client connections served at once from one address; one more is closed at once")
                .define(QUEUED_MAX_REQUEST_BYTES, LONG, -1L, Check.atLeast(-1), "bytes",
                        "memory that requests being read and handled may hold; a connection whose request does not "
                                + "fit waits, unread, until some is given back; -1: a quarter of the maximum heap")
                .define(CONNECTIONS_MAX_IDLE_MS, LONG, 600_000L, Check.atLeast(1), "ms",
                        "a connection that sends nothing (or stops half way through a request) for this long is "
                                + "closed; one waiting for its answer is not idle");
        ConfigDefinition topic = LogConfig.DEFINITION;
        for (Map.Entry<String, String> e : LogConfig.BROKER_DEFAULT_KEYS.entrySet()) {
            ConfigDefinition.Key key = topic.key(e.getValue());
            d.define(e.getKey(), key.type(), key.defaultValue(), key.check(), key.unit(),
                    "default for the topic config " + e.getValue() + ": " + key.doc());
        }
        return d;
    }

    /** A config from Kafka-style keys and values (strings or typed); {@code log.dirs} is required. */
    public static BrokerConfig from(Map<String, ?> values) {
        return new BrokerConfig(values);
    }

    /** A builder for a broker that stores its data in {@code dataDir}. */
    public static Builder builder(Path dataDir) {
        return new Builder().set(LOG_DIRS, dataDir.toString());
    }

    /** Every key the broker accepts, with type, default, unit and meaning. */
    public static java.util.List<ConfigKey> keys() {
        return DEFINITION.documented().stream().map(k -> new ConfigKey(k.name(),
                k.type().name().toLowerCase(java.util.Locale.ROOT),
                k.defaultValue() == null ? null : ConfigDefinition.format(k.defaultValue()), k.unit(), k.doc()))
                .toList();
    }

    public Path dataDir() {
        return Path.of(dataDirValue());
    }

    /** Every key's value as the broker runs with it, formatted as in a config file, by key. */
    public java.util.SortedMap<String, String> effectiveValues() {
        java.util.SortedMap<String, String> effective = new java.util.TreeMap<>();
        values.forEach((key, value) -> effective.put(key, value == null ? null : ConfigDefinition.format(value)));
        return effective;
    }

    /** Whether {@code key} was given (in a file, on the command line, in code) rather than left to its default. */
    public boolean isSet(String key) {
        return given.contains(key);
    }

    private String dataDirValue() {
        return (String) values.get(LOG_DIRS);
    }

    public int numPartitions() {
        return (Integer) values.get(NUM_PARTITIONS);
    }

    public int maxTopicPartitions() {
        return (Integer) values.get(MAX_TOPIC_PARTITIONS);
    }

    public int maxBrokerPartitions() {
        return (Integer) values.get(MAX_BROKER_PARTITIONS);
    }

    public boolean autoCreateTopics() {
        return (Boolean) values.get(AUTO_CREATE_TOPICS_ENABLE);
    }

    public long retentionCheckIntervalMs() {
        return (Long) values.get(LOG_RETENTION_CHECK_INTERVAL_MS);
    }

    public boolean cleanerEnabled() {
        return (Boolean) values.get(LOG_CLEANER_ENABLE);
    }

    public long cleanerBackoffMs() {
        return (Long) values.get(LOG_CLEANER_BACKOFF_MS);
    }

    public long checkpointIntervalMs() {
        return (Long) values.get(LOG_FLUSH_OFFSET_CHECKPOINT_INTERVAL_MS);
    }

    public long flushSchedulerIntervalMs() {
        return (Long) values.get(LOG_FLUSH_SCHEDULER_INTERVAL_MS);
    }

    public int offsetsTopicPartitions() {
        return (Integer) values.get(OFFSETS_TOPIC_NUM_PARTITIONS);
    }

    public int journalThreads() {
        return (Integer) values.get(JOURNAL_THREADS);
    }

    public int journalRingSize() {
        return (Integer) values.get(JOURNAL_RING_SIZE);
    }

    public String journalWaitStrategy() {
        return (String) values.get(JOURNAL_WAIT_STRATEGY);
    }

    /** The broker-wide defaults of the topic configs, keyed by topic key ({@code retention.ms}, …). */
    public Map<String, Object> topicDefaults() {
        Map<String, Object> defaults = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : LogConfig.BROKER_DEFAULT_KEYS.entrySet()) {
            defaults.put(e.getValue(), values.get(e.getKey()));
        }
        return defaults;
    }

    /** The value of any key, typed. */
    public Object get(String key) {
        if (!values.containsKey(key)) {
            DEFINITION.key(key); // throws with a suggestion
        }
        return values.get(key);
    }

    /** Every key with its effective value. */
    public Map<String, Object> values() {
        return values;
    }

    @Override
    public String toString() {
        return "BrokerConfig" + values;
    }

    /** Collects keys and values; {@link #build()} validates them all. */
    public static final class Builder {
        private final Map<String, Object> values = new LinkedHashMap<>();

        private Builder() {
        }

        public Builder set(String key, Object value) {
            values.put(key, value);
            return this;
        }

        public Builder setAll(Map<String, ?> more) {
            values.putAll(more);
            return this;
        }

        public BrokerConfig build() {
            return new BrokerConfig(values);
        }
    }
}
