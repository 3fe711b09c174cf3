package io.sluice.broker;

import java.util.Collection;
import java.util.Map;
import java.util.Set;

/**
 * Manages topics and inspects consumer groups. Thread-safe. Operations are synchronous: when one returns, its
 * effect is durable and visible to every client of the broker.
 */
public interface Admin extends AutoCloseable {

    /**
     * Creates a topic: all its partitions, or nothing. @throws TopicExistsException, InvalidTopicException,
     * InvalidConfigException, InvalidPartitionException (past {@code max.topic.partitions},
     * {@code max.broker.partitions} or 10,000 partitions at once)
     */
    void createTopic(NewTopic topic);

    /**
     * Creates each topic in turn; stops at the first failure. Nothing is created if the topics have more than
     * 10,000 partitions in all (Kafka's limit per request): InvalidPartitionException.
     */
    void createTopics(Collection<NewTopic> topics);

    /** Deletes a topic and its data, even one the broker could not open at start. @throws UnknownTopicException */
    void deleteTopic(String name);

    /** The names of the user topics (internal topics excluded), those the broker could not open at start included. */
    Set<String> listTopics();

    /** @throws UnknownTopicException */
    TopicDescription describeTopic(String name);

    /** Sets config overrides on a topic; they apply from the next append, segment roll and retention check. */
    void setTopicConfig(String topic, Map<String, String> configs);

    /** Removes config overrides, returning the keys to the broker defaults. */
    void resetTopicConfig(String topic, Set<String> keys);

    /**
     * Grows a topic to {@code totalCount} partitions, all of them or none. Keys may map to other partitions
     * afterwards. @throws InvalidPartitionException (not more than now, or past a limit as for {@link #createTopic})
     */
    void createPartitions(String topic, int totalCount);

    /**
     * Deletes every record below the given offset of each partition ({@code -1}: below its high watermark, that
     * is all that consumers can read now) and returns the partitions' new log start offsets. Consumers positioned
     * below reset as their {@code auto.offset.reset} says. Nothing is deleted if any partition is refused.
     *
     * @throws UnknownTopicException, InvalidPartitionException, OffsetOutOfRangeException (past the high watermark),
     *         InvalidTopicException (a compacted or internal topic: its records are removed by the log cleaner)
     */
    Map<TopicPartition, Long> deleteRecords(Map<TopicPartition, Long> beforeOffsets);

    /** The ids of groups that have members or committed offsets. */
    Set<String> listGroups();

    /** A group's committed offsets. */
    Map<TopicPartition, OffsetAndMetadata> listGroupOffsets(String groupId);

    /**
     * Deletes a group that has no members: its committed offsets go. @throws GroupNotEmptyException while members
     * are in it, UnknownGroupException if it has neither members nor committed offsets
     */
    void deleteGroup(String groupId);

    @Override
    void close();
}
