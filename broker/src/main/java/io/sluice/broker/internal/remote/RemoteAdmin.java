package io.sluice.broker.internal.remote;

import io.sluice.broker.Admin;
import io.sluice.broker.NewTopic;
import io.sluice.broker.OffsetAndMetadata;
import io.sluice.broker.PartitionDescription;
import io.sluice.broker.TopicDescription;
import io.sluice.broker.TopicPartition;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.common.config.ConfigResource;

/** {@link Admin} over Kafka's AdminClient. Partition sizes are not known remotely: -1. */
public final class RemoteAdmin implements Admin {
    private final AdminClient client;

    public RemoteAdmin(Properties properties) {
        this.client = AdminClient.create(properties);
    }

    @Override
    public void createTopic(NewTopic topic) {
        createTopics(List.of(topic));
    }

    @Override
    public void createTopics(Collection<NewTopic> topics) {
        for (NewTopic t : topics) {
            RemoteErrors.await(client.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(t.name(),
                    t.partitions(), (short) -1).configs(t.configs()))).all(), t.name());
        }
    }

    @Override
    public void deleteTopic(String name) {
        RemoteErrors.await(client.deleteTopics(List.of(name)).all(), name);
    }

    @Override
    public Set<String> listTopics() {
        return new TreeSet<>(RemoteErrors.await(client.listTopics(new ListTopicsOptions().listInternal(false))
                .names(), "list topics"));
    }

    @Override
    public TopicDescription describeTopic(String name) {
        var described = RemoteErrors.await(client.describeTopics(List.of(name)).allTopicNames(), name).get(name);
        Map<org.apache.kafka.common.TopicPartition, OffsetSpec> earliest = new LinkedHashMap<>();
        Map<org.apache.kafka.common.TopicPartition, OffsetSpec> latest = new LinkedHashMap<>();
        described.partitions().forEach(p -> {
            earliest.put(new org.apache.kafka.common.TopicPartition(name, p.partition()), OffsetSpec.earliest());
            latest.put(new org.apache.kafka.common.TopicPartition(name, p.partition()), OffsetSpec.latest());
        });
        var starts = RemoteErrors.await(client.listOffsets(earliest).all(), name);
        var ends = RemoteErrors.await(client.listOffsets(latest).all(), name);
        List<PartitionDescription> partitions = new ArrayList<>();
        described.partitions().forEach(p -> {
            var tp = new org.apache.kafka.common.TopicPartition(name, p.partition());
            partitions.add(new PartitionDescription(p.partition(), starts.get(tp).offset(), ends.get(tp).offset(),
                    -1));
        });
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, name);
        Config config = RemoteErrors.await(client.describeConfigs(List.of(resource)).all(), name).get(resource);
        Map<String, String> configs = new LinkedHashMap<>();
        Map<String, String> overrides = new LinkedHashMap<>();
        for (ConfigEntry e : config.entries()) {
            configs.put(e.name(), e.value());
            if (e.source() == ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG) {
                overrides.put(e.name(), e.value());
            }
        }
        return new TopicDescription(name, described.topicId().toString(), described.isInternal(), partitions,
                configs, overrides);
    }

    @Override
    public void setTopicConfig(String topic, Map<String, String> configs) {
        List<AlterConfigOp> ops = new ArrayList<>();
        configs.forEach((k, v) -> ops.add(new AlterConfigOp(new ConfigEntry(k, v), AlterConfigOp.OpType.SET)));
        alter(topic, ops);
    }

    @Override
    public void resetTopicConfig(String topic, Set<String> keys) {
        List<AlterConfigOp> ops = new ArrayList<>();
        keys.forEach(k -> ops.add(new AlterConfigOp(new ConfigEntry(k, null), AlterConfigOp.OpType.DELETE)));
        alter(topic, ops);
    }

    private void alter(String topic, List<AlterConfigOp> ops) {
        RemoteErrors.await(client.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC,
                topic), ops)).all(), topic);
    }

    @Override
    public void createPartitions(String topic, int totalCount) {
        RemoteErrors.await(client.createPartitions(Map.of(topic, NewPartitions.increaseTo(totalCount))).all(), topic);
    }

    @Override
    public Map<TopicPartition, Long> deleteRecords(Map<TopicPartition, Long> beforeOffsets) {
        Map<org.apache.kafka.common.TopicPartition, RecordsToDelete> request = new LinkedHashMap<>();
        beforeOffsets.forEach((tp, offset) -> request.put(new org.apache.kafka.common.TopicPartition(tp.topic(),
                tp.partition()), RecordsToDelete.beforeOffset(offset)));
        var result = client.deleteRecords(request).lowWatermarks();
        Map<TopicPartition, Long> starts = new LinkedHashMap<>();
        result.forEach((tp, lowWatermark) -> starts.put(new TopicPartition(tp.topic(), tp.partition()),
                RemoteErrors.await(lowWatermark, "delete records of " + tp).lowWatermark()));
        return starts;
    }

    @Override
    public Set<String> listGroups() {
        Set<String> ids = new TreeSet<>();
        RemoteErrors.await(client.listGroups().all(), "list groups").forEach(g -> ids.add(g.groupId()));
        return ids;
    }

    @Override
    public Map<TopicPartition, OffsetAndMetadata> listGroupOffsets(String groupId) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new LinkedHashMap<>();
        RemoteErrors.await(client.listConsumerGroupOffsets(groupId).partitionsToOffsetAndMetadata(), groupId)
                .forEach((tp, o) -> {
                    if (o != null) {
                        offsets.put(new TopicPartition(tp.topic(), tp.partition()),
                                new OffsetAndMetadata(o.offset(), o.metadata()));
                    }
                });
        return offsets;
    }

    @Override
    public void deleteGroup(String groupId) {
        RemoteErrors.await(client.deleteConsumerGroups(List.of(groupId)).all(), groupId);
    }

    @Override
    public void close() {
        client.close();
    }

    /** The id of the cluster {@code admin} talks to. */
    public static String clusterIdOf(AdminClient admin) {
        return RemoteErrors.await(admin.describeCluster().clusterId(), "describe cluster");
    }
}
