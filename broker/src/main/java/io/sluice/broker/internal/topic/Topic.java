package io.sluice.broker.internal.topic;

import io.sluice.broker.InvalidPartitionException;
import io.sluice.broker.internal.log.LogConfig;
import java.util.List;
import java.util.Map;

/** A live topic: its identity, its partitions and its effective config. Thread-safe; changed by the registry. */
public final class Topic {
    private final String name;
    private final String id;
    private final boolean internal;
    private volatile Partition[] partitions;
    private volatile Map<String, String> overrides;
    private volatile LogConfig config;
    private volatile boolean deleted;

    Topic(String name, String id, boolean internal, Partition[] partitions, Map<String, String> overrides,
          LogConfig config) {
        this.name = name;
        this.id = id;
        this.internal = internal;
        this.partitions = partitions;
        this.overrides = Map.copyOf(overrides);
        this.config = config;
    }

    public String name() {
        return name;
    }

    public String id() {
        return id;
    }

    public boolean internal() {
        return internal;
    }

    public int partitionCount() {
        return partitions.length;
    }

    public Partition partition(int partition) {
        Partition[] current = partitions;
        if (partition < 0 || partition >= current.length) {
            throw InvalidPartitionException.outOfRange(name, partition, current.length);
        }
        return current[partition];
    }

    public List<Partition> partitions() {
        return List.of(partitions);
    }

    /** The topic's partitions, as names. */
    public List<io.sluice.broker.TopicPartition> topicPartitions() {
        Partition[] current = partitions;
        io.sluice.broker.TopicPartition[] names = new io.sluice.broker.TopicPartition[current.length];
        for (int p = 0; p < current.length; p++) {
            names[p] = current[p].topicPartition();
        }
        return List.of(names);
    }

    /** The topic's own config values (strings as given), without broker defaults. */
    public Map<String, String> overrides() {
        return overrides;
    }

    public LogConfig config() {
        return config;
    }

    /** Whether the topic was deleted; a topic re-created with the same name is a new object. */
    public boolean isDeleted() {
        return deleted;
    }

    void markDeleted() {
        deleted = true;
    }

    void setPartitions(Partition[] partitions) {
        this.partitions = partitions;
    }

    void setConfig(Map<String, String> overrides, LogConfig config) {
        this.overrides = Map.copyOf(overrides);
        this.config = config;
    }

    @Override
    public String toString() {
        return "Topic[" + name + ", partitions=" + partitions.length + "]";
    }
}
