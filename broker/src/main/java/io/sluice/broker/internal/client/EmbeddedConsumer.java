package io.sluice.broker.internal.client;

import io.sluice.broker.ClosedException;
import io.sluice.broker.Consumer;
import io.sluice.broker.ConsumerConfig;
import io.sluice.broker.ConsumerConfig.OffsetReset;
import io.sluice.broker.ConsumerRebalanceListener;
import io.sluice.broker.ConsumerRecord;
import io.sluice.broker.InvalidConfigException;
import io.sluice.broker.OffsetAndMetadata;
import io.sluice.broker.OffsetAndTimestamp;
import io.sluice.broker.OffsetOutOfRangeException;
import io.sluice.broker.TopicPartition;
import io.sluice.broker.WakeupException;
import io.sluice.broker.internal.BrokerCore;
import io.sluice.broker.internal.group.GroupCoordinator;
import io.sluice.broker.internal.group.GroupCoordinator.Member;
import io.sluice.broker.internal.group.GroupCoordinator.Reconciliation;
import io.sluice.broker.internal.log.PartitionLog;
import io.sluice.broker.internal.topic.Partition;
import io.sluice.broker.internal.topic.Topic;
import io.sluice.broker.internal.topic.TopicRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded {@link Consumer}. Reads go straight to the partition logs; a poll that finds nothing parks its thread
 * until a journal thread signals new data in one of its partitions (or the group has work for it), so an idle
 * consumer costs nothing and a waiting one wakes within microseconds.
 *
 * <p>Wake-up protocol: the poller sets {@code parked}, re-checks every partition's high watermark, then parks; the
 * journal publishes the high watermark, then reads {@code parked} and unparks. Both are volatile, so one of the two
 * always sees the other: no signal is lost.
 */
public final class EmbeddedConsumer implements Consumer {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedConsumer.class);
    private static final long MAX_PARK_NANOS = 100_000_000L;

    private enum Mode { NONE, ASSIGNED, SUBSCRIBED }

    /** Consumer-side state of one assigned partition. */
    private static final class Assigned {
        final TopicPartition topicPartition;
        final Topic topic;
        final Partition partition;
        final FetchBuffer buffer;
        long position = -1;
        boolean paused;

        Assigned(TopicPartition topicPartition, Topic topic, Partition partition, FetchBuffer buffer) {
            this.topicPartition = topicPartition;
            this.topic = topic;
            this.partition = partition;
            this.buffer = buffer;
        }
    }

    private final BrokerCore core;
    private final TopicRegistry registry;
    private final GroupCoordinator coordinator;
    private final ConsumerConfig config;
    private final String groupId;
    private final Partition.DataListener dataListener = this::onData;
    private final Map<TopicPartition, Assigned> assigned = new LinkedHashMap<>();
    private Mode mode = Mode.NONE;
    private Set<String> subscription = Set.of();
    private ConsumerRebalanceListener rebalanceListener = ConsumerRebalanceListener.NONE;
    private Member member;
    private int nextPartitionIndex;
    private long nextAutoCommitMs;
    private boolean closed;

    private volatile Thread pollingThread;
    private volatile boolean parked;
    private static final java.lang.invoke.VarHandle PARKED;

    static {
        try {
            PARKED = java.lang.invoke.MethodHandles.lookup().findVarHandle(EmbeddedConsumer.class, "parked",
                    boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
    private volatile boolean wakeupRequested;
    private volatile boolean groupWork;

    public EmbeddedConsumer(BrokerCore core, ConsumerConfig config) {
        this.core = core;
        this.registry = core.registry();
        this.coordinator = core.groups();
        this.config = config;
        this.groupId = config.groupId();
        this.nextAutoCommitMs = core.nowMs() + config.autoCommitIntervalMs();
    }

    // ---------------------------------------------------------------------------------------------- assignment

    @Override
    public void subscribe(Collection<String> topics) {
        subscribe(topics, ConsumerRebalanceListener.NONE);
    }

    @Override
    public void subscribe(Collection<String> topics, ConsumerRebalanceListener listener) {
        ensureOpen();
        if (groupId == null) {
            throw new InvalidConfigException("Subscribing needs a consumer group: set group.id");
        }
        if (mode == Mode.ASSIGNED) {
            throw new IllegalStateException("Consumer already has a manual assignment: call unsubscribe() first");
        }
        Set<String> names = new LinkedHashSet<>(topics);
        for (String name : names) {
            if (registry.topic(name) == null) {
                log.warn("Subscribed to a topic that does not exist yet: group={}, topic={}", groupId, name);
            }
        }
        subscription = Set.copyOf(names);
        rebalanceListener = listener == null ? ConsumerRebalanceListener.NONE : listener;
        if (mode == Mode.SUBSCRIBED) {
            coordinator.updateSubscription(member, subscription);
        } else {
            member = coordinator.join(groupId, config.clientId(), subscription, config.maxPollIntervalMs(),
                    this::onGroupWork);
            mode = Mode.SUBSCRIBED;
        }
    }

    @Override
    public void assign(Collection<TopicPartition> partitions) {
        ensureOpen();
        if (mode == Mode.SUBSCRIBED) {
            throw new IllegalStateException("Consumer is subscribed to topics: call unsubscribe() first");
        }
        Map<TopicPartition, Partition> resolved = new LinkedHashMap<>();
        for (TopicPartition tp : partitions) {
            resolved.put(tp, registry.partition(tp)); // unknown topics and partitions fail here
        }
        for (TopicPartition tp : List.copyOf(assigned.keySet())) {
            if (!resolved.containsKey(tp)) {
                removeAssigned(tp);
            }
        }
        for (Map.Entry<TopicPartition, Partition> e : resolved.entrySet()) {
            if (!assigned.containsKey(e.getKey())) {
                addAssigned(e.getKey());
            }
        }
        mode = resolved.isEmpty() ? Mode.NONE : Mode.ASSIGNED;
    }

    @Override
    public void unsubscribe() {
        ensureOpen();
        leaveGroup();
        for (TopicPartition tp : List.copyOf(assigned.keySet())) {
            removeAssigned(tp);
        }
        mode = Mode.NONE;
        subscription = Set.of();
    }

    private void leaveGroup() {
        if (mode != Mode.SUBSCRIBED) {
            return;
        }
        List<TopicPartition> owned = List.copyOf(assigned.keySet());
        try {
            if (coordinator.isFenced(member)) {
                // Removed for not polling: others may own these partitions now, so no commit.
                if (!owned.isEmpty()) {
                    rebalanceListener.onPartitionsLost(owned);
                }
            } else {
                if (config.autoCommit()) {
                    commitPositions(owned);
                }
                if (!owned.isEmpty()) {
                    rebalanceListener.onPartitionsRevoked(owned);
                }
            }
        } finally {
            coordinator.leave(member);
            member = null;
        }
    }

    private Assigned addAssigned(TopicPartition tp) {
        Topic topic = registry.topicOrThrow(tp.topic());
        Partition partition = topic.partition(tp.partition());
        Assigned state = new Assigned(tp, topic, partition,
                new FetchBuffer(tp, Math.min(config.maxPartitionFetchBytes(), 1 << 20), config.checkCrcs()));
        assigned.put(tp, state);
        partition.addListener(dataListener);
        return state;
    }

    private void removeAssigned(TopicPartition tp) {
        Assigned state = assigned.remove(tp);
        if (state != null) {
            state.partition.removeListener(dataListener);
        }
    }

    @Override
    public Set<TopicPartition> assignment() {
        return Set.copyOf(assigned.keySet());
    }

    @Override
    public Set<String> subscription() {
        return subscription;
    }

    // ---------------------------------------------------------------------------------------------- polling

    @Override
    public List<ConsumerRecord> poll(Duration timeout) {
        ensureOpen();
        if (mode == Mode.NONE) {
            throw new IllegalStateException("Consumer is not subscribed to any topics or assigned any partitions");
        }
        pollingThread = Thread.currentThread();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            core.ensureOpen();
            checkWakeup();
            if (mode == Mode.SUBSCRIBED) {
                reconcile();
            }
            maybeAutoCommit();
            List<ConsumerRecord> records = collect();
            if (!records.isEmpty()) {
                return records;
            }
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                return records;
            }
            awaitData(remaining);
        }
    }

    private void checkWakeup() {
        if (wakeupRequested) {
            wakeupRequested = false;
            throw new WakeupException("Consumer poll woken up");
        }
    }

    /** Parks until data arrives in an assigned partition, the group has work, wakeup() is called, or time is up. */
    private void awaitData(long remainingNanos) {
        parked = true;
        try {
            if (dataAvailable() || groupWork || wakeupRequested) {
                return;
            }
            LockSupport.parkNanos(this, Math.min(remainingNanos, MAX_PARK_NANOS));
        } finally {
            parked = false;
        }
    }

    private boolean dataAvailable() {
        for (Assigned a : assigned.values()) {
            if (!a.paused && !a.topic.isDeleted() && (a.position < 0 || !a.buffer.isEmpty()
                    || a.partition.log().highWatermark() > a.position)) {
                return true;
            }
        }
        return false;
    }

    private void onData(Partition partition) {
        // Only the first signal after a park pays for the unpark.
        if (parked && PARKED.compareAndSet(this, true, false)) {
            Thread thread = pollingThread;
            if (thread != null) {
                LockSupport.unpark(thread);
            }
        }
    }

    private void onGroupWork() {
        groupWork = true;
        Thread thread = pollingThread;
        if (thread != null) {
            LockSupport.unpark(thread);
        }
    }

    private List<ConsumerRecord> collect() {
        int max = config.maxPollRecords();
        List<ConsumerRecord> out = new ArrayList<>(Math.min(max, 512));
        List<Assigned> states = new ArrayList<>(assigned.values());
        int n = states.size();
        for (int i = 0; i < n && out.size() < max; i++) {
            Assigned a = states.get((nextPartitionIndex + i) % n);
            if (a.paused || a.topic.isDeleted()) {
                continue;
            }
            ensurePosition(a);
            try {
                fetchInto(a, out, max);
            } catch (io.sluice.broker.StorageException e) {
                if (core.isClosed()) {
                    throw new ClosedException("broker");
                }
                throw e;
            }
        }
        nextPartitionIndex = n == 0 ? 0 : (nextPartitionIndex + 1) % n;
        return out;
    }

    private void fetchInto(Assigned a, List<ConsumerRecord> out, int max) {
        PartitionLog log = a.partition.log();
        while (out.size() < max) {
            if (a.buffer.isEmpty()) {
                if (log.highWatermark() == a.position) {
                    return;
                }
                // A position past the end is out of range, as a Kafka broker answers: read() reports it.
                PartitionLog.ReadResult result;
                try {
                    result = log.read(a.position, config.maxPartitionFetchBytes());
                } catch (OffsetOutOfRangeException e) {
                    resetPosition(a, e);
                    continue;
                }
                if (result.isEmpty()) {
                    return;
                }
                a.buffer.fill(result.records(), result.filePosition());
            }
            int before = out.size();
            a.position = a.buffer.drain(out, max - out.size(), a.position);
            log.countRecordsRead(out.size() - before);
            if (a.buffer.hasFailure()) {
                return; // corruption after the records taken: the next poll reports it
            }
        }
    }

    private void resetPosition(Assigned a, OffsetOutOfRangeException cause) {
        if (config.autoOffsetReset() == OffsetReset.NONE) {
            throw cause;
        }
        long reset = resetOffset(a);
        log.info("Consumer position out of range, reset: partition={}, position={}, reset={} ({})", a.topicPartition,
                a.position, reset, config.autoOffsetReset());
        a.position = reset;
        a.buffer.clear();
    }

    private long resetOffset(Assigned a) {
        PartitionLog log = a.partition.log();
        return switch (config.autoOffsetReset()) {
            case EARLIEST -> log.logStartOffset();
            case LATEST -> log.highWatermark();
            case NONE -> throw new OffsetOutOfRangeException(a.topicPartition, a.position, log.logStartOffset(),
                    log.highWatermark());
        };
    }

    /** A partition without a position starts at the group's committed offset, else per auto.offset.reset. */
    private void ensurePosition(Assigned a) {
        if (a.position >= 0) {
            return;
        }
        if (groupId != null) {
            OffsetAndMetadata committed = coordinator.committed(groupId, Set.of(a.topicPartition))
                    .get(a.topicPartition);
            if (committed != null) {
                a.position = committed.offset();
                return;
            }
        }
        if (config.autoOffsetReset() == OffsetReset.NONE) {
            throw new OffsetOutOfRangeException(a.topicPartition, -1, a.partition.log().logStartOffset(),
                    a.partition.log().highWatermark());
        }
        a.position = resetOffset(a);
    }

    // ---------------------------------------------------------------------------------------------- group

    private void reconcile() {
        groupWork = false;
        Reconciliation work = coordinator.heartbeat(member);
        if (work.isEmpty()) {
            return;
        }
        if (work.fenced()) {
            List<TopicPartition> lost = List.copyOf(assigned.keySet());
            for (TopicPartition tp : lost) {
                removeAssigned(tp);
            }
            member = coordinator.join(groupId, config.clientId(), subscription, config.maxPollIntervalMs(),
                    this::onGroupWork);
            log.warn("Consumer was removed from its group and rejoined; its partitions were lost: group={}, "
                    + "partitions={}", groupId, lost);
            if (!lost.isEmpty()) {
                rebalanceListener.onPartitionsLost(lost);
            }
            return;
        }
        if (!work.revoke().isEmpty()) {
            try {
                if (config.autoCommit()) {
                    commitPositions(work.revoke());
                }
                rebalanceListener.onPartitionsRevoked(work.revoke());
            } finally {
                for (TopicPartition tp : work.revoke()) {
                    removeAssigned(tp);
                }
                coordinator.revoked(member, work.revoke());
            }
        }
        if (!work.assign().isEmpty()) {
            // Positions are resolved when first read, so that one partition without an offset (with
            // auto.offset.reset=none) cannot keep the others out of the assignment.
            for (TopicPartition tp : work.assign()) {
                addAssigned(tp);
            }
            rebalanceListener.onPartitionsAssigned(work.assign());
        }
    }

    private void maybeAutoCommit() {
        if (!config.autoCommit()) {
            return;
        }
        long now = core.nowMs();
        if (now >= nextAutoCommitMs) {
            nextAutoCommitMs = now + config.autoCommitIntervalMs();
            commitPositions(assigned.keySet());
        }
    }

    private void commitPositions(Collection<TopicPartition> partitions) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition tp : partitions) {
            Assigned a = assigned.get(tp);
            if (a != null && a.position >= 0) {
                offsets.put(tp, OffsetAndMetadata.of(a.position));
            }
        }
        if (!offsets.isEmpty()) {
            commit(offsets);
        }
    }

    private void commit(Map<TopicPartition, OffsetAndMetadata> offsets) {
        if (member != null) {
            coordinator.commit(member, offsets);
        } else {
            coordinator.commit(groupId, offsets);
        }
    }

    // ---------------------------------------------------------------------------------------------- positions

    @Override
    public void seek(TopicPartition partition, long offset) {
        ensureOpen();
        if (offset < 0) {
            throw new IllegalArgumentException("Negative seek offset: partition=" + partition + ", offset=" + offset);
        }
        Assigned a = assignedOrThrow(partition);
        a.position = offset;
        a.buffer.clear();
    }

    @Override
    public void seekToBeginning(Collection<TopicPartition> partitions) {
        ensureOpen();
        for (TopicPartition tp : partitions) {
            Assigned a = assignedOrThrow(tp);
            a.position = a.partition.log().logStartOffset();
            a.buffer.clear();
        }
    }

    @Override
    public void seekToEnd(Collection<TopicPartition> partitions) {
        ensureOpen();
        for (TopicPartition tp : partitions) {
            Assigned a = assignedOrThrow(tp);
            a.position = a.partition.log().highWatermark();
            a.buffer.clear();
        }
    }

    @Override
    public long position(TopicPartition partition) {
        ensureOpen();
        Assigned a = assignedOrThrow(partition);
        ensurePosition(a);
        return a.position;
    }

    @Override
    public OptionalLong currentLag(TopicPartition partition) {
        ensureOpen();
        Assigned a = assignedOrThrow(partition);
        return a.position < 0 ? OptionalLong.empty()
                : OptionalLong.of(Math.max(0, a.partition.log().highWatermark() - a.position));
    }

    private Assigned assignedOrThrow(TopicPartition tp) {
        Assigned a = assigned.get(tp);
        if (a == null) {
            throw new IllegalStateException("Partition is not assigned to this consumer: partition=" + tp);
        }
        return a;
    }

    @Override
    public void pause(Collection<TopicPartition> partitions) {
        ensureOpen();
        for (TopicPartition tp : partitions) {
            assignedOrThrow(tp).paused = true;
        }
    }

    @Override
    public void resume(Collection<TopicPartition> partitions) {
        ensureOpen();
        for (TopicPartition tp : partitions) {
            assignedOrThrow(tp).paused = false;
        }
    }

    @Override
    public Set<TopicPartition> paused() {
        Set<TopicPartition> paused = new HashSet<>();
        assigned.forEach((tp, a) -> {
            if (a.paused) {
                paused.add(tp);
            }
        });
        return paused;
    }

    // ---------------------------------------------------------------------------------------------- commits

    @Override
    public Map<TopicPartition, OffsetAndMetadata> committed(Set<TopicPartition> partitions) {
        ensureOpen();
        requireGroup("Reading committed offsets");
        return coordinator.committed(groupId, partitions);
    }

    @Override
    public void commitSync() {
        ensureOpen();
        requireGroup("Committing");
        commitPositions(assigned.keySet());
    }

    @Override
    public void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
        ensureOpen();
        requireGroup("Committing");
        for (TopicPartition tp : offsets.keySet()) {
            registry.partition(tp);
        }
        commit(offsets);
    }

    private void requireGroup(String what) {
        if (groupId == null) {
            throw new InvalidConfigException(what + " needs a consumer group: set group.id");
        }
    }

    // ---------------------------------------------------------------------------------------------- metadata

    @Override
    public Map<TopicPartition, Long> beginningOffsets(Collection<TopicPartition> partitions) {
        ensureOpen();
        Map<TopicPartition, Long> offsets = new LinkedHashMap<>();
        for (TopicPartition tp : partitions) {
            offsets.put(tp, registry.partition(tp).log().logStartOffset());
        }
        return offsets;
    }

    @Override
    public Map<TopicPartition, Long> endOffsets(Collection<TopicPartition> partitions) {
        ensureOpen();
        Map<TopicPartition, Long> offsets = new LinkedHashMap<>();
        for (TopicPartition tp : partitions) {
            offsets.put(tp, registry.partition(tp).log().highWatermark());
        }
        return offsets;
    }

    @Override
    public Map<TopicPartition, OffsetAndTimestamp> offsetsForTimes(Map<TopicPartition, Long> timestamps) {
        ensureOpen();
        Map<TopicPartition, OffsetAndTimestamp> offsets = new LinkedHashMap<>();
        for (Map.Entry<TopicPartition, Long> e : timestamps.entrySet()) {
            if (e.getValue() < 0) {
                throw new IllegalArgumentException("Negative timestamp: partition=" + e.getKey() + ", timestamp="
                        + e.getValue());
            }
            offsets.put(e.getKey(), registry.partition(e.getKey()).log().offsetForTimestamp(e.getValue()));
        }
        return offsets;
    }

    @Override
    public List<TopicPartition> partitionsFor(String topic) {
        ensureOpen();
        return registry.topicOrThrow(topic).topicPartitions();
    }

    // ---------------------------------------------------------------------------------------------- lifecycle

    @Override
    public void wakeup() {
        wakeupRequested = true;
        Thread thread = pollingThread;
        if (thread != null) {
            LockSupport.unpark(thread);
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new ClosedException("consumer");
        }
        core.ensureOpen();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        try {
            if (!core.isClosed()) {
                leaveGroup();
            }
        } finally {
            closed = true;
            for (TopicPartition tp : List.copyOf(assigned.keySet())) {
                removeAssigned(tp);
            }
            mode = Mode.NONE;
        }
    }
}
