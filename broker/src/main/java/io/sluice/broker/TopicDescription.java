package io.sluice.broker;

import java.util.List;
import java.util.Map;

/**
 * A topic as the broker holds it.
 *
 * @param name       the topic name
 * @param topicId    the unique id given at creation
 * @param internal   whether the broker created it for its own use (committed offsets)
 * @param partitions each partition's offsets and size
 * @param configs    the effective value of every topic config
 * @param overrides  the configs set on this topic, as opposed to broker defaults
 */
public record TopicDescription(String name, String topicId, boolean internal, List<PartitionDescription> partitions,
                               Map<String, String> configs, Map<String, String> overrides) {
}
