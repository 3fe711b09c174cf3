package io.sluice.broker.internal.group;

import io.sluice.broker.CommitFailedException;
import io.sluice.broker.GroupNotEmptyException;
import io.sluice.broker.OffsetAndMetadata;
import io.sluice.broker.TopicPartition;
import io.sluice.broker.UnknownGroupException;
import io.sluice.broker.internal.log.LogConfig;
import io.sluice.broker.internal.topic.Topic;
import io.sluice.broker.internal.topic.TopicRegistry;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * In-process consumer groups: membership, partition assignment and committed offsets.
 *
 * <p>Assignment follows the incremental protocol of Kafka's KIP-848: when membership or subscriptions change, the
 * coordinator computes a target assignment ({@link Assignor}); each member converges to its target at its next
 * poll — first revoking what it must give up, then taking new partitions once their previous owner has revoked them.
 * A partition is therefore never consumed by two members at once, and members keep what they need not give up.
 *
 * <p>Thread-safe: each group's state is guarded by the group's monitor; members call in from their polling threads.
 *
 * <p>The groups of embedded consumers live and die with the JVM and are not persisted. The classic groups of the
 * Kafka protocol (a {@link Membership}, kept by the network layer) are: the coordinator writes their states beside
 * the commits ({@link #storeGroup}) and hands back what it loaded at start ({@link #loadedGroups}); which thread
 * writes what is in {@link OffsetStore}.
 */
public final class GroupCoordinator {
    private static final Logger log = LoggerFactory.getLogger(GroupCoordinator.class);

    private final TopicRegistry registry;
    private final LongSupplier clock;
    private final OffsetStore offsets;
    private final Map<String, Group> groups = new ConcurrentHashMap<>();

    /** What a member must do at this poll. */
    public record Reconciliation(boolean fenced, List<TopicPartition> revoke, List<TopicPartition> assign) {
        static final Reconciliation FENCED = new Reconciliation(true, List.of(), List.of());
        static final Reconciliation NOTHING = new Reconciliation(false, List.of(), List.of());

        public boolean isEmpty() {
            return !fenced && revoke.isEmpty() && assign.isEmpty();
        }
    }

    /** A consumer's membership in a group. Its fields are guarded by the group. */
    public static final class Member {
        final String memberId;
        final String clientId;
        final Group group;
        final Runnable wake;
        final long maxPollIntervalMs;
        Set<String> topics;
        Set<TopicPartition> owned = new TreeSet<>();
        Set<TopicPartition> target = new TreeSet<>();
        long lastSeenMs;
        boolean left;

        Member(String memberId, String clientId, Group group, Set<String> topics, long maxPollIntervalMs,
               Runnable wake, long nowMs) {
            this.memberId = memberId;
            this.clientId = clientId;
            this.group = group;
            this.topics = topics;
            this.maxPollIntervalMs = maxPollIntervalMs;
            this.wake = wake;
            this.lastSeenMs = nowMs;
        }

        public String memberId() {
            return memberId;
        }

        public String groupId() {
            return group.id;
        }
    }

    static final class Group {
        final String id;
        final Map<String, Member> members = new LinkedHashMap<>();
        final Map<TopicPartition, Member> owners = new HashMap<>();
        int epoch;

        Group(String id) {
            this.id = id;
        }
    }

    private final List<Membership> otherMemberships = new CopyOnWriteArrayList<>();

    private GroupCoordinator(TopicRegistry registry, OffsetStore offsets, LongSupplier clock) {
        this.registry = registry;
        this.offsets = offsets;
        this.clock = clock;
    }

    /** Creates the offsets topic if needed, loads the committed offsets and follows topic changes. */
    public static GroupCoordinator start(TopicRegistry registry, int offsetsTopicPartitions, LongSupplier clock) {
        Topic topic = registry.topic(OffsetStore.TOPIC);
        if (topic == null) {
            topic = registry.createTopic(OffsetStore.TOPIC, offsetsTopicPartitions,
                    Map.of(LogConfig.CLEANUP_POLICY, "compact", LogConfig.SEGMENT_BYTES, "104857600"), true);
        }
        OffsetStore store = new OffsetStore(topic);
        store.load();
        GroupCoordinator coordinator = new GroupCoordinator(registry, store, clock);
        registry.addChangeListener(coordinator::rebalanceAll);
        return coordinator;
    }

    /** The internal topic holding committed offsets. */
    public static String offsetsTopic() {
        return OffsetStore.TOPIC;
    }

    // ---------------------------------------------------------------------------------------------- membership

    /** Adds a member subscribed to {@code topics}; {@code wake} is run when it has reconciliation work. */
    public Member join(String groupId, String clientId, Set<String> topics, long maxPollIntervalMs, Runnable wake) {
        Group group = groups.computeIfAbsent(groupId, Group::new);
        String memberId = (clientId.isEmpty() ? "consumer" : clientId) + "-" + UUID.randomUUID();
        Member member = new Member(memberId, clientId, group, Set.copyOf(topics), maxPollIntervalMs, wake,
                clock.getAsLong());
        synchronized (group) {
            group.members.put(memberId, member);
            rebalance(group, "member joined: " + memberId);
        }
        return member;
    }

    public void updateSubscription(Member member, Set<String> topics) {
        Group group = member.group;
        synchronized (group) {
            member.topics = Set.copyOf(topics);
            rebalance(group, "subscription changed: " + member.memberId);
        }
    }

    /** Removes a member; its partitions are freed for the others at once. */
    public void leave(Member member) {
        Group group = member.group;
        synchronized (group) {
            removeMember(group, member, "member left: " + member.memberId);
        }
    }

    private void removeMember(Group group, Member member, String reason) {
        if (member.left) {
            return;
        }
        member.left = true;
        group.members.remove(member.memberId);
        for (TopicPartition tp : member.owned) {
            group.owners.remove(tp, member);
        }
        member.owned.clear();
        rebalance(group, reason);
    }

    /**
     * Called at every poll: records liveness and returns what the member must revoke and may take now. Partitions in
     * {@code assign} are the member's from this call on; those in {@code revoke} stay its own until it calls
     * {@link #revoked}.
     */
    public Reconciliation heartbeat(Member member) {
        Group group = member.group;
        synchronized (group) {
            if (member.left) {
                return Reconciliation.FENCED;
            }
            member.lastSeenMs = clock.getAsLong();
            List<TopicPartition> revoke = new ArrayList<>();
            for (TopicPartition tp : member.owned) {
                if (!member.target.contains(tp)) {
                    revoke.add(tp);
                }
            }
            List<TopicPartition> assign = new ArrayList<>();
            for (TopicPartition tp : member.target) {
                if (!member.owned.contains(tp) && group.owners.get(tp) == null) {
                    assign.add(tp);
                }
            }
            for (TopicPartition tp : assign) {
                group.owners.put(tp, member);
                member.owned.add(tp);
            }
            return revoke.isEmpty() && assign.isEmpty() ? Reconciliation.NOTHING
                    : new Reconciliation(false, revoke, assign);
        }
    }

    /** The member has stopped consuming these partitions; others waiting for them are woken. */
    public void revoked(Member member, Collection<TopicPartition> partitions) {
        Group group = member.group;
        List<Runnable> toWake = new ArrayList<>();
        synchronized (group) {
            for (TopicPartition tp : partitions) {
                if (member.owned.remove(tp)) {
                    group.owners.remove(tp, member);
                    for (Member other : group.members.values()) {
                        if (other != member && other.target.contains(tp)) {
                            toWake.add(other.wake);
                        }
                    }
                }
            }
        }
        toWake.forEach(Runnable::run);
    }

    /** Removes members that have not polled within their {@code max.poll.interval.ms}. */
    public void expireMembers() {
        long now = clock.getAsLong();
        for (Group group : groups.values()) {
            synchronized (group) {
                for (Member member : List.copyOf(group.members.values())) {
                    if (now - member.lastSeenMs > member.maxPollIntervalMs) {
                        log.warn("Removing group member that stopped polling: group={}, member={}, "
                                + "max.poll.interval.ms={}", group.id, member.memberId, member.maxPollIntervalMs);
                        removeMember(group, member, "member expired: " + member.memberId);
                    }
                }
            }
        }
    }

    private void rebalanceAll() {
        for (Group group : groups.values()) {
            synchronized (group) {
                rebalance(group, "topics changed");
            }
        }
    }

    /** Recomputes the target assignment and wakes members whose target changed. Holds the group's monitor. */
    private void rebalance(Group group, String reason) {
        Map<String, Set<String>> subscriptions = new HashMap<>();
        Map<String, Set<TopicPartition>> previous = new HashMap<>();
        Set<String> topics = new HashSet<>();
        for (Member member : group.members.values()) {
            subscriptions.put(member.memberId, member.topics);
            previous.put(member.memberId, member.target);
            topics.addAll(member.topics);
        }
        List<TopicPartition> partitions = new ArrayList<>();
        for (String name : topics) {
            Topic topic = registry.topic(name);
            if (topic != null) {
                for (int p = 0; p < topic.partitionCount(); p++) {
                    partitions.add(new TopicPartition(name, p));
                }
            }
        }
        Map<String, Set<TopicPartition>> targets = Assignor.assign(subscriptions, partitions, previous);
        group.epoch++;
        for (Member member : group.members.values()) {
            Set<TopicPartition> target = targets.getOrDefault(member.memberId, Set.of());
            if (!target.equals(member.target) || !member.owned.equals(target)) {
                member.target = new TreeSet<>(target);
                member.wake.run();
            }
        }
        log.debug("Rebalanced group: group={}, epoch={}, members={}, partitions={}, reason={}", group.id,
                group.epoch, group.members.size(), partitions.size(), reason);
    }

    // ---------------------------------------------------------------------------------------------- offsets

    /** Commits for a consumer outside group membership (manual assignment). */
    public void commit(String groupId, Map<TopicPartition, OffsetAndMetadata> committed) {
        offsets.commit(groupId, committed, clock.getAsLong());
    }

    /**
     * Commits for a group member — unless it has been removed from the group, whose partitions may belong to
     * others by now: their commits must not be overwritten with older positions.
     *
     * @throws CommitFailedException if the member is no longer in the group
     */
    public void commit(Member member, Map<TopicPartition, OffsetAndMetadata> committed) {
        Group group = member.group;
        synchronized (group) {
            if (member.left) {
                throw new CommitFailedException("Commit rejected, the consumer is no longer in the group (did it "
                        + "poll within max.poll.interval.ms?): group=" + group.id + ", member=" + member.memberId);
            }
            offsets.commit(group.id, committed, clock.getAsLong());
        }
    }

    /** Whether the member was removed from its group (expired, or left). */
    public boolean isFenced(Member member) {
        synchronized (member.group) {
            return member.left;
        }
    }

    public Map<TopicPartition, OffsetAndMetadata> committed(String groupId, Set<TopicPartition> partitions) {
        return offsets.committed(groupId, partitions);
    }

    public Map<TopicPartition, OffsetAndMetadata> committed(String groupId) {
        return offsets.all(groupId);
    }

    /**
     * Another place members of this broker's groups live (the Kafka protocol's classic groups), whose state this
     * coordinator persists ({@link #storeGroup}): asked before a group is deleted, and told to forget it.
     */
    public interface Membership {
        /** Whether the group has members there. */
        boolean hasMembers(String groupId);

        /**
         * Forgets the group if it has no members there, and deletes its persisted state ({@link #storeGroup} with
         * null) before returning; returns false, and changes nothing, if it has members.
         */
        boolean deleteIfEmpty(String groupId);
    }

    public void addMembership(Membership membership) {
        otherMemberships.add(membership);
    }

    // ---------------------------------------------------------------------------------------------- group state

    /**
     * The classic groups' state as the offsets topic held it when this coordinator started: per group, its latest
     * state (empty groups too). Not changed after: later states are the membership's to keep.
     */
    public Map<String, GroupMetadata> loadedGroups() {
        return offsets.loadedGroups();
    }

    /**
     * Persists a classic group's state in the offsets topic, beside its commits ({@code state} null: deletes it),
     * without waiting: the completion runs once it is written, or has failed, on a broker thread (keep it short, do
     * not block in it), or at once on this thread if it cannot be published (the broker is closing). States stored
     * one after the other for a group are written in that order. Not from a broker thread.
     */
    public void storeGroup(String groupId, GroupMetadata state, io.sluice.broker.Callback completion) {
        offsets.storeGroup(groupId, state, clock.getAsLong(), completion);
    }

    /**
     * Deletes a group without members: its committed offsets and its persisted state go.
     *
     * @throws GroupNotEmptyException while it has members; UnknownGroupException if it has neither committed
     *                                offsets nor a persisted state
     */
    public void deleteGroup(String groupId) {
        Group group = groups.get(groupId);
        boolean hasMembers = false;
        if (group != null) {
            synchronized (group) {
                hasMembers = !group.members.isEmpty();
            }
        }
        if (hasMembers || otherMemberships.stream().anyMatch(m -> m.hasMembers(groupId))) {
            throw new GroupNotEmptyException(groupId);
        }
        boolean hadState = offsets.hasGroupState(groupId);
        for (Membership membership : otherMemberships) {
            if (!membership.deleteIfEmpty(groupId)) {
                throw new GroupNotEmptyException(groupId); // a member joined meanwhile
            }
        }
        long now = clock.getAsLong();
        boolean hadOffsets = offsets.delete(groupId, now);
        // A state no membership held (loaded by a broker without a listener) goes too.
        hadState |= offsets.deleteGroup(groupId, now);
        if (!hadOffsets && !hadState) {
            throw new UnknownGroupException(groupId);
        }
        log.info("Deleted group: group={}", groupId);
    }

    /** Groups with live members or committed offsets. */
    public Set<String> groupIds() {
        Set<String> ids = new TreeSet<>(offsets.groups());
        groups.forEach((id, group) -> {
            synchronized (group) {
                if (!group.members.isEmpty()) {
                    ids.add(id);
                }
            }
        });
        return ids;
    }

    /** Each live member's id and the partitions it owns. */
    public Map<String, Set<TopicPartition>> members(String groupId) {
        Group group = groups.get(groupId);
        if (group == null) {
            return Map.of();
        }
        synchronized (group) {
            Map<String, Set<TopicPartition>> members = new LinkedHashMap<>();
            group.members.forEach((id, m) -> members.put(id, Set.copyOf(m.owned)));
            return members;
        }
    }
}
