package io.sluice.broker.internal.client;

import io.sluice.broker.Admin;
import io.sluice.broker.ClosedException;
import io.sluice.broker.NewTopic;
import io.sluice.broker.OffsetAndMetadata;
import io.sluice.broker.PartitionDescription;
import io.sluice.broker.TopicDescription;
import io.sluice.broker.TopicPartition;
import io.sluice.broker.internal.BrokerCore;
import io.sluice.broker.config.ConfigDefinition;
import io.sluice.broker.internal.log.LogConfig;
import io.sluice.broker.internal.log.PartitionLog;
import io.sluice.broker.internal.topic.Partition;
import io.sluice.broker.internal.topic.Topic;
import io.sluice.broker.internal.topic.TopicRegistry;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** The embedded {@link Admin}: topic changes go straight to the registry, which makes them durable first. */
public final class EmbeddedAdmin implements Admin {
    private final BrokerCore core;
    private final TopicRegistry registry;
    private volatile boolean closed;

    public EmbeddedAdmin(BrokerCore core) {
        this.core = core;
        this.registry = core.registry();
    }

    @Override
    public void createTopic(NewTopic topic) {
        ensureOpen();
        registry.createTopic(topic.name(), topic.partitions(), topic.configs(), false);
    }

    /** Refuses the whole request if it adds more partitions than one request may, before creating any topic. */
    @Override
    public void createTopics(Collection<NewTopic> topics) {
        long requested = 0;
        for (NewTopic topic : topics) {
            requested += Math.max(0, topic.partitions());
        }
        for (NewTopic topic : topics) {
            registry.limits().checkRequest(topic.name(), topic.partitions(), topic.partitions(), requested);
        }
        for (NewTopic topic : topics) {
            createTopic(topic);
        }
    }

    /** Deletes a topic, one that could not be opened at start included. */
    @Override
    public void deleteTopic(String name) {
        ensureOpen();
        if (registry.isUnavailable(name)) {
            registry.deleteTopic(name);
            return;
        }
        Topic topic = registry.topicOrThrow(name);
        if (topic.internal()) {
            throw new io.sluice.broker.InvalidTopicException("Cannot delete an internal topic: topic=" + name);
        }
        registry.deleteTopic(name);
    }

    @Override
    public Set<String> listTopics() {
        ensureOpen();
        Set<String> names = new TreeSet<>();
        for (Topic topic : registry.topics()) {
            if (!topic.internal()) {
                names.add(topic.name());
            }
        }
        names.addAll(registry.unavailableTopics()); // listed so that they can be deleted; describing them fails
        return names;
    }

    @Override
    public TopicDescription describeTopic(String name) {
        ensureOpen();
        Topic topic = registry.topicOrThrow(name);
        List<PartitionDescription> partitions = new ArrayList<>();
        for (Partition partition : topic.partitions()) {
            PartitionLog log = partition.log();
            partitions.add(new PartitionDescription(partition.topicPartition().partition(), log.logStartOffset(),
                    log.highWatermark(), log.sizeInBytes()));
        }
        Map<String, Object> effective = new LinkedHashMap<>(core.config().topicDefaults());
        effective.putAll(topic.overrides());
        Map<String, String> configs = new LinkedHashMap<>();
        for (ConfigDefinition.Key key : LogConfig.DEFINITION.keys()) {
            configs.put(key.name(), ConfigDefinition.format(effective.get(key.name())));
        }
        return new TopicDescription(topic.name(), topic.id(), topic.internal(), partitions, configs,
                topic.overrides());
    }

    @Override
    public void setTopicConfig(String topic, Map<String, String> configs) {
        ensureOpen();
        registry.alterConfigs(topic, configs, Set.of());
    }

    @Override
    public void resetTopicConfig(String topic, Set<String> keys) {
        ensureOpen();
        registry.alterConfigs(topic, Map.of(), keys);
    }

    @Override
    public void createPartitions(String topic, int totalCount) {
        ensureOpen();
        if (registry.topicOrThrow(topic).internal()) {
            throw new io.sluice.broker.InvalidTopicException("Cannot change an internal topic: topic=" + topic);
        }
        registry.addPartitions(topic, totalCount);
    }

    @Override
    public Map<TopicPartition, Long> deleteRecords(Map<TopicPartition, Long> beforeOffsets) {
        ensureOpen();
        for (Map.Entry<TopicPartition, Long> e : beforeOffsets.entrySet()) {
            registry.checkDeleteRecords(e.getKey(), e.getValue());
        }
        Map<TopicPartition, Long> starts = new java.util.LinkedHashMap<>();
        registry.deleteRecords(beforeOffsets).forEach((tp, deleted) -> {
            try {
                starts.put(tp, deleted.join());
            } catch (java.util.concurrent.CompletionException e) {
                throw e.getCause() instanceof RuntimeException re ? re
                        : new io.sluice.broker.StorageException("Cannot delete records: partition=" + tp, e.getCause());
            }
        });
        return starts;
    }

    @Override
    public Set<String> listGroups() {
        ensureOpen();
        return core.groups().groupIds();
    }

    @Override
    public Map<TopicPartition, OffsetAndMetadata> listGroupOffsets(String groupId) {
        ensureOpen();
        return core.groups().committed(groupId);
    }

    @Override
    public void deleteGroup(String groupId) {
        ensureOpen();
        core.groups().deleteGroup(groupId);
    }

    private void ensureOpen() {
        if (closed) {
            throw new ClosedException("admin");
        }
        core.ensureOpen();
    }

    @Override
    public void close() {
        closed = true;
    }
}
