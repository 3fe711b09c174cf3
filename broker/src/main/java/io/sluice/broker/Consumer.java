package io.sluice.broker;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Reads records from partitions at its own pace. Not thread-safe, as Kafka's consumer: use it from one thread,
 * except {@link #wakeup()}.
 *
 * <p>Either {@link #assign} partitions explicitly, or {@link #subscribe} to topics as a member of the group named by
 * {@code group.id}: the group shares the topics' partitions among its members and moves them when members join or
 * leave. Positions start from the group's committed offset, else from {@code auto.offset.reset}. With
 * {@code enable.auto.commit} (the default when a group is set) positions are committed every
 * {@code auto.commit.interval.ms}, before partitions are revoked, and on close.
 *
 * <pre>{@code
 * try (Consumer consumer = broker.consumer(ConsumerConfig.builder().groupId("billing").build())) {
 *     consumer.subscribe(List.of("orders"));
 *     while (running) {
 *         for (ConsumerRecord record : consumer.poll(Duration.ofMillis(500))) {
 *             handle(record);
 *         }
 *     }
 * }
 * }</pre>
 */
public interface Consumer extends AutoCloseable {

    /** Joins the group (requires {@code group.id}) and consumes its share of the topics' partitions. */
    void subscribe(Collection<String> topics);

    /** As {@link #subscribe(Collection)}, with a listener told of partitions revoked and assigned. */
    void subscribe(Collection<String> topics, ConsumerRebalanceListener listener);

    /** Consumes exactly these partitions, without group membership. Replaces any previous assignment. */
    void assign(Collection<TopicPartition> partitions);

    /** Leaves the group or drops the manual assignment. */
    void unsubscribe();

    /** The partitions currently consumed. */
    Set<TopicPartition> assignment();

    /** The subscribed topics, empty if none. */
    Set<String> subscription();

    /**
     * Returns available records — at most {@code max.poll.records} — waiting up to {@code timeout} for some to
     * arrive; the wait ends as soon as any assigned partition gets data. Empty if none arrived in time.
     *
     * @throws OffsetOutOfRangeException if a position is outside its log and {@code auto.offset.reset=none}
     * @throws WakeupException           if {@link #wakeup()} was called
     */
    List<ConsumerRecord> poll(Duration timeout);

    /** Sets the next offset to read from an assigned partition. */
    void seek(TopicPartition partition, long offset);

    void seekToBeginning(Collection<TopicPartition> partitions);

    void seekToEnd(Collection<TopicPartition> partitions);

    /** The offset of the next record {@link #poll} returns for an assigned partition. */
    long position(TopicPartition partition);

    /**
     * How many records an assigned partition holds past this consumer's position (its high watermark minus the
     * position); empty while the position is not known yet, before the first poll.
     */
    OptionalLong currentLag(TopicPartition partition);

    /** Stops returning records from these assigned partitions until {@link #resume}. */
    void pause(Collection<TopicPartition> partitions);

    void resume(Collection<TopicPartition> partitions);

    Set<TopicPartition> paused();

    /** The group's committed offsets for these partitions; partitions without one are absent. */
    Map<TopicPartition, OffsetAndMetadata> committed(Set<TopicPartition> partitions);

    /** Commits the current positions of all assigned partitions, durably, for {@code group.id}. */
    void commitSync();

    /** Commits the given offsets (each the next offset to consume) for {@code group.id}. */
    void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets);

    Map<TopicPartition, Long> beginningOffsets(Collection<TopicPartition> partitions);

    /** The end offsets (high watermarks): the offsets the next records will get. */
    Map<TopicPartition, Long> endOffsets(Collection<TopicPartition> partitions);

    /**
     * For each partition, the earliest offset whose record timestamp is at or after the given time; null if every
     * record is older.
     */
    Map<TopicPartition, OffsetAndTimestamp> offsetsForTimes(Map<TopicPartition, Long> timestamps);

    /** The partitions of a topic. */
    List<TopicPartition> partitionsFor(String topic);

    /** Makes a blocked or the next {@link #poll} throw {@link WakeupException}. Safe from any thread. */
    void wakeup();

    /** Commits (if auto-commit is on), leaves the group and releases the consumer. Idempotent. */
    @Override
    void close();
}
