package io.sluice.broker.internal.net;

import io.sluice.broker.ClosedException;
import io.sluice.broker.internal.group.GroupCoordinator;
import io.sluice.broker.internal.group.GroupMetadata;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka's classic group protocol for clients over the network: members join (JoinGroup, held until the rebalance
 * completes), the leader — the first member — computes the assignment with its client-side assignor and hands it
 * over (SyncGroup), members keep their place with heartbeats and leave with LeaveGroup. A rebalance completes when
 * every member has rejoined or its rebalance timeout passes; a member silent past its session timeout is removed.
 * Static members ({@code group.instance.id}) keep their member id across restarts. The broker only relays the
 * protocol metadata and assignments, so any assignor works.
 *
 * <p>Persistence, as Kafka's coordinator does it: a group's state ({@link GroupMetadata}: protocol type, generation,
 * protocol, leader, and each member's ids, client, timeouts, subscription and assignment) is stored in the offsets
 * topic, through {@link GroupCoordinator#storeGroup}, when a generation is complete — the leader's SyncGroup
 * brings the assignment, which is persisted and only then handed out, the group stable — and when the group becomes
 * empty; DeleteGroups writes a tombstone. On start the groups come back as last stored: a group with members
 * stable in its generation, with its members and their assignments, each member's session starting now; an empty
 * group empty, with its generation. A member that keeps heartbeating and committing does not notice the restart; one
 * that does not come back is removed when its session times out, and the others rebalance. A group caught in a
 * rebalance comes back in the generation before it, from which its members' rejoin completes as usual.
 *
 * <p>Threads: each group's state is guarded by the group's monitor. It is read and changed by the network threads
 * (requests), by the {@code timer} thread (rebalance timeouts, session expiry) and by the threads that delete
 * groups ({@link #deleteIfEmpty}: a network thread or an embedded admin's). States are published to the offsets
 * topic under the monitor, so they reach the log in the order the group took them, and nothing waits for the
 * write under the monitor. The write's completion comes on a broker thread (the offsets partition's journal), which
 * must not block: it hands the outcome to the timer thread, which takes the monitor and goes on (answers the
 * SyncGroups, or, if the write failed, starts a rebalance) unless the group has moved on meanwhile.
 */
final class ClassicGroups implements GroupCoordinator.Membership {
    private static final Logger log = LoggerFactory.getLogger(ClassicGroups.class);

    enum State { EMPTY, PREPARING_REBALANCE, COMPLETING_REBALANCE, STABLE }

    private static final class Member {
        final String memberId;
        final String instanceId;
        String clientId = "";
        String clientHost = "";
        int sessionTimeoutMs;
        int rebalanceTimeoutMs;
        String protocolType;
        /** Protocol names in the member's order of preference, with its metadata for each. */
        LinkedHashMap<String, byte[]> protocols = new LinkedHashMap<>();
        byte[] assignment = new byte[0];
        Consumer<ApiMessage> awaitingJoin;
        short joinVersion;
        Consumer<ApiMessage> awaitingSync;
        short syncVersion;
        long lastSeenMs;

        Member(String memberId, String instanceId) {
            this.memberId = memberId;
            this.instanceId = instanceId;
        }
    }

    private static final class Group {
        final String id;
        State state = State.EMPTY;
        int generation;
        String protocolType;
        String protocolName;
        String leader;
        final LinkedHashMap<String, Member> members = new LinkedHashMap<>();
        final Set<String> pending = ConcurrentHashMap.newKeySet();
        final Map<String, String> staticMembers = new HashMap<>();
        long rebalanceDeadlineMs;
        /** The generation whose assignment is being persisted (its leader's SyncGroup came), or -1. */
        int storingGeneration = -1;
        /** Deleted and out of the map: whoever holds it looks the group up again. */
        boolean dead;

        Group(String id) {
            this.id = id;
        }

        /** The group as it was last stored, stable in its generation if it had members, each of them seen now. */
        static Group loaded(String id, GroupMetadata state, long nowMs) {
            Group g = new Group(id);
            g.generation = state.generation();
            g.protocolType = state.protocolType();
            if (state.members().isEmpty()) {
                return g;
            }
            g.state = State.STABLE;
            g.protocolName = state.protocol();
            g.leader = state.leader();
            for (GroupMetadata.Member stored : state.members()) {
                Member m = new Member(stored.memberId(), stored.groupInstanceId());
                m.clientId = stored.clientId();
                m.clientHost = stored.clientHost();
                m.sessionTimeoutMs = stored.sessionTimeoutMs();
                m.rebalanceTimeoutMs = stored.rebalanceTimeoutMs();
                m.protocolType = state.protocolType();
                m.protocols.put(state.protocol(), stored.subscription());
                m.assignment = stored.assignment();
                m.lastSeenMs = nowMs;
                g.members.put(m.memberId, m);
                if (m.instanceId != null) {
                    g.staticMembers.put(m.instanceId, m.memberId);
                }
            }
            return g;
        }

        /** What is stored of the group now, with {@code assignments} as its members' (by member id). */
        GroupMetadata snapshot(Map<String, byte[]> assignments, long nowMs) {
            List<GroupMetadata.Member> stored = new ArrayList<>(members.size());
            for (Member m : members.values()) {
                stored.add(new GroupMetadata.Member(m.memberId, m.instanceId, m.clientId, m.clientHost,
                        m.rebalanceTimeoutMs, m.sessionTimeoutMs,
                        protocolName == null ? new byte[0] : m.protocols.getOrDefault(protocolName, new byte[0]),
                        assignments.getOrDefault(m.memberId, new byte[0])));
            }
            return new GroupMetadata(protocolType == null ? "" : protocolType, generation, protocolName, leader,
                    nowMs, stored);
        }
    }

    private final Map<String, Group> groups = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer;
    private final LongSupplier clock;
    private final GroupCoordinator store;

    /**
     * Takes the groups {@code store} loaded, and persists their states there from now on; {@code timer} runs the
     * timeouts and the continuations of writes.
     */
    ClassicGroups(ScheduledExecutorService timer, LongSupplier clock, GroupCoordinator store) {
        this.timer = timer;
        this.clock = clock;
        this.store = store;
        long now = clock.getAsLong();
        store.loadedGroups().forEach((id, state) -> groups.put(id, Group.loaded(id, state, now)));
        if (!groups.isEmpty()) {
            log.info("Classic groups restored: groups={}, stable={}, members={}", groups.size(),
                    groups.values().stream().filter(g -> g.state == State.STABLE).count(),
                    groups.values().stream().mapToInt(g -> g.members.size()).sum());
        }
        timer.scheduleWithFixedDelay(this::expire, 500, 500, TimeUnit.MILLISECONDS);
    }

    /** Whether the group has members that joined over the network. */
    @Override
    public boolean hasMembers(String groupId) {
        Group g = groups.get(groupId);
        if (g == null) {
            return false;
        }
        synchronized (g) {
            return !g.members.isEmpty();
        }
    }

    /** Groups with members joined over the network, and their state. */
    Map<String, State> states() {
        Map<String, State> states = new LinkedHashMap<>();
        groups.forEach((id, g) -> {
            synchronized (g) {
                if (!g.members.isEmpty()) {
                    states.put(id, g.state);
                }
            }
        });
        return states;
    }

    /** NONE if {@code memberId} is in {@code generation} of the group: a commit from it may be taken. */
    Errors checkMember(String groupId, String memberId, int generation) {
        Group g = groups.get(groupId);
        if (g == null) {
            return Errors.UNKNOWN_MEMBER_ID;
        }
        synchronized (g) {
            if (!g.members.containsKey(memberId)) {
                return Errors.UNKNOWN_MEMBER_ID;
            }
            if (generation != g.generation) {
                return Errors.ILLEGAL_GENERATION;
            }
            // As Kafka's coordinator: a member of the current generation may still commit while the group prepares
            // a rebalance (it commits what it gives up), not while the new assignment is being handed out.
            return g.state == State.COMPLETING_REBALANCE ? Errors.REBALANCE_IN_PROGRESS : Errors.NONE;
        }
    }

    void join(JoinGroupRequestData request, short version, String clientId, String clientHost,
              Consumer<ApiMessage> reply) {
        while (true) {
            Group g = groups.computeIfAbsent(request.groupId(), Group::new);
            synchronized (g) {
                if (!g.dead) {
                    join(g, request, version, clientId, clientHost, reply);
                    return;
                }
            }
        }
    }

    /** Holds the group's monitor. */
    private void join(Group g, JoinGroupRequestData request, short version, String clientId, String clientHost,
                      Consumer<ApiMessage> reply) {
        if (request.sessionTimeoutMs() < 1_000 || request.sessionTimeoutMs() > 1_800_000) {
            reply.accept(joinError(Errors.INVALID_SESSION_TIMEOUT, request.memberId(), version));
            return;
        }
        if (!supportsProtocols(g, request)) {
            reply.accept(joinError(Errors.INCONSISTENT_GROUP_PROTOCOL, request.memberId(), version));
            return;
        }
        String memberId = request.memberId();
        String instanceId = request.groupInstanceId();
        if (memberId.isEmpty()) {
            if (instanceId != null && g.staticMembers.containsKey(instanceId)) {
                memberId = g.staticMembers.get(instanceId); // a static member back: same id, same partitions
            } else {
                memberId = (instanceId != null ? instanceId : "member") + "-" + UUID.randomUUID();
                if (instanceId == null && version >= 4) {
                    // KIP-394: the client rejoins with the id, so a lost response leaves no ghost member.
                    g.pending.add(memberId);
                    reply.accept(joinError(Errors.MEMBER_ID_REQUIRED, memberId, version));
                    return;
                }
            }
        } else if (!g.members.containsKey(memberId) && !g.pending.remove(memberId)) {
            reply.accept(joinError(Errors.UNKNOWN_MEMBER_ID, memberId, version));
            return;
        }
        Member m = g.members.computeIfAbsent(memberId, id -> new Member(id, instanceId));
        if (instanceId != null) {
            g.staticMembers.put(instanceId, memberId);
        }
        m.clientId = clientId == null ? "" : clientId;
        m.clientHost = clientHost;
        m.sessionTimeoutMs = request.sessionTimeoutMs();
        m.rebalanceTimeoutMs = version == 0 ? request.sessionTimeoutMs() : request.rebalanceTimeoutMs();
        m.protocolType = request.protocolType();
        m.protocols = new LinkedHashMap<>();
        request.protocols().forEach(p -> m.protocols.put(p.name(), p.metadata()));
        m.awaitingJoin = reply;
        m.joinVersion = version;
        m.lastSeenMs = clock.getAsLong();
        g.protocolType = request.protocolType();
        if (g.state != State.PREPARING_REBALANCE) {
            prepareRebalance(g);
        }
        maybeCompleteJoin(g);
    }

    /**
     * As Kafka's coordinator: a member names a protocol type and at least one protocol, and, in a group with
     * members, the group's type and a protocol every member has — so that the group always has one to agree on.
     */
    private static boolean supportsProtocols(Group g, JoinGroupRequestData request) {
        if (request.protocolType() == null || request.protocolType().isEmpty() || request.protocols().isEmpty()) {
            return false;
        }
        if (g.members.isEmpty() || (g.members.size() == 1 && g.members.containsKey(request.memberId()))) {
            return true;
        }
        if (!request.protocolType().equals(g.protocolType)) {
            return false;
        }
        for (JoinGroupRequestData.JoinGroupRequestProtocol p : request.protocols()) {
            if (g.members.values().stream().filter(m -> !m.memberId.equals(request.memberId()))
                    .allMatch(m -> m.protocols.containsKey(p.name()))) {
                return true;
            }
        }
        return false;
    }

    private static JoinGroupResponseData joinError(Errors error, String memberId, short version) {
        // ProtocolName may be null only from v7; ProtocolType exists only from v7.
        return new JoinGroupResponseData().setErrorCode(error.code()).setGenerationId(-1).setMemberId(memberId)
                .setLeader("").setProtocolName(version >= 7 ? null : "");
    }

    private void prepareRebalance(Group g) {
        g.state = State.PREPARING_REBALANCE;
        // Members waiting for their assignment must rejoin first.
        for (Member m : g.members.values()) {
            if (m.awaitingSync != null) {
                m.awaitingSync.accept(new SyncGroupResponseData().setErrorCode(Errors.REBALANCE_IN_PROGRESS.code())
                        .setAssignment(new byte[0]));
                m.awaitingSync = null;
            }
        }
        int timeout = g.members.values().stream().mapToInt(m -> m.rebalanceTimeoutMs).max().orElse(0);
        g.rebalanceDeadlineMs = clock.getAsLong() + timeout;
        int generation = g.generation;
        timer.schedule(() -> {
            synchronized (g) {
                if (g.state == State.PREPARING_REBALANCE && g.generation == generation) {
                    completeJoin(g);
                }
            }
        }, timeout, TimeUnit.MILLISECONDS);
    }

    private void maybeCompleteJoin(Group g) {
        if (g.state == State.PREPARING_REBALANCE && g.members.values().stream().allMatch(m -> m.awaitingJoin != null)) {
            completeJoin(g);
        }
    }

    /** Ends the join phase: members that did not rejoin are out, a new generation starts, the leader assigns. */
    private void completeJoin(Group g) {
        g.members.values().removeIf(m -> {
            if (m.awaitingJoin == null) {
                if (m.instanceId != null) {
                    g.staticMembers.remove(m.instanceId);
                }
                return true;
            }
            return false;
        });
        g.generation++;
        if (g.members.isEmpty()) {
            g.state = State.EMPTY;
            g.protocolName = null;
            g.leader = null;
            storeEmpty(g);
            return;
        }
        g.protocolName = selectProtocol(g);
        if (g.leader == null || !g.members.containsKey(g.leader)) {
            g.leader = g.members.keySet().iterator().next();
        }
        g.state = State.COMPLETING_REBALANCE;
        for (Member m : g.members.values()) {
            JoinGroupResponseData response = new JoinGroupResponseData().setGenerationId(g.generation)
                    .setProtocolName(g.protocolName).setLeader(g.leader).setMemberId(m.memberId);
            if (m.joinVersion >= 7) {
                response.setProtocolType(g.protocolType);
            }
            if (m.memberId.equals(g.leader)) {
                List<JoinGroupResponseData.JoinGroupResponseMember> members = new ArrayList<>();
                for (Member other : g.members.values()) {
                    members.add(new JoinGroupResponseData.JoinGroupResponseMember().setMemberId(other.memberId)
                            .setGroupInstanceId(m.joinVersion >= 5 ? other.instanceId : null)
                            .setMetadata(other.protocols.get(g.protocolName)));
                }
                response.setMembers(members);
            }
            Consumer<ApiMessage> reply = m.awaitingJoin;
            m.awaitingJoin = null;
            reply.accept(response);
        }
    }

    /** The protocol every member supports that most members prefer (Kafka's vote). */
    private static String selectProtocol(Group g) {
        Map<String, Integer> votes = new LinkedHashMap<>();
        for (Member m : g.members.values()) {
            String choice = m.protocols.keySet().stream()
                    .filter(p -> g.members.values().stream().allMatch(o -> o.protocols.containsKey(p)))
                    .findFirst().orElse(null);
            if (choice != null) {
                votes.merge(choice, 1, Integer::sum);
            }
        }
        return votes.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey)
                .orElse(g.members.values().iterator().next().protocols.keySet().iterator().next());
    }

    /** A group as DescribeGroups shows it, or null if no member joined it over the network. */
    org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroup describe(String groupId,
                                                                                      short version) {
        Group g = groups.get(groupId);
        if (g == null) {
            return null;
        }
        synchronized (g) {
            if (g.members.isEmpty()) {
                return null;
            }
            var described = new org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroup()
                    .setGroupId(groupId).setGroupState(GroupHandler.stateName(g.state))
                    .setProtocolType(g.protocolType).setProtocolData(g.state == State.STABLE ? g.protocolName : "");
            for (Member m : g.members.values()) {
                described.members().add(new org.apache.kafka.common.message.DescribeGroupsResponseData
                        .DescribedGroupMember().setMemberId(m.memberId)
                        .setGroupInstanceId(version >= 4 ? m.instanceId : null) // from v4
                        .setClientId(m.clientId).setClientHost(m.clientHost)
                        .setMemberMetadata(g.protocolName == null ? new byte[0]
                                : m.protocols.getOrDefault(g.protocolName, new byte[0]))
                        .setMemberAssignment(g.state == State.STABLE ? m.assignment : new byte[0]));
            }
            return described;
        }
    }

    void sync(SyncGroupRequestData request, short version, Consumer<ApiMessage> reply) {
        Group g = groups.get(request.groupId());
        if (g == null) {
            reply.accept(syncError(Errors.UNKNOWN_MEMBER_ID));
            return;
        }
        synchronized (g) {
            Member m = g.members.get(request.memberId());
            if (m == null) {
                reply.accept(syncError(Errors.UNKNOWN_MEMBER_ID));
                return;
            }
            if (request.generationId() != g.generation) {
                reply.accept(syncError(Errors.ILLEGAL_GENERATION));
                return;
            }
            m.lastSeenMs = clock.getAsLong();
            switch (g.state) {
                case PREPARING_REBALANCE, EMPTY -> reply.accept(syncError(Errors.REBALANCE_IN_PROGRESS));
                case STABLE -> reply.accept(assignment(g, m, version));
                case COMPLETING_REBALANCE -> {
                    m.awaitingSync = reply;
                    m.syncVersion = version;
                    if (m.memberId.equals(g.leader) && g.storingGeneration != g.generation) {
                        Map<String, byte[]> assignments = new HashMap<>();
                        request.assignments().forEach(a -> assignments.put(a.memberId(), a.assignment()));
                        storeAssignment(g, assignments);
                    }
                }
                default -> throw new IllegalStateException("Unknown group state: " + g.state);
            }
        }
    }

    /**
     * The leader's assignment for the generation: persisted, then handed out and the group stable — unless the
     * group has moved on by then (a member joined or left: a new rebalance), when its members rejoin as usual. If
     * the write fails the members waiting are told (a retriable error: they find the coordinator again and
     * rejoin) and the group rebalances. Holds the group's monitor.
     */
    private void storeAssignment(Group g, Map<String, byte[]> assignments) {
        int generation = g.generation;
        g.storingGeneration = generation;
        persist(g, g.snapshot(assignments, clock.getAsLong()), error -> {
            if (g.dead || g.state != State.COMPLETING_REBALANCE || g.generation != generation) {
                return;
            }
            g.storingGeneration = -1;
            if (error != null) {
                log.warn("Cannot store a group's assignment, rebalancing: group={}, generation={}, reason={}",
                        g.id, generation, error.toString());
                Errors code = error instanceof ClosedException ? Errors.COORDINATOR_NOT_AVAILABLE
                        : Errors.NOT_COORDINATOR;
                for (Member each : g.members.values()) {
                    if (each.awaitingSync != null) {
                        each.awaitingSync.accept(syncError(code));
                        each.awaitingSync = null;
                    }
                }
                prepareRebalance(g);
                return;
            }
            for (Member each : g.members.values()) {
                each.assignment = assignments.getOrDefault(each.memberId, new byte[0]);
            }
            g.state = State.STABLE;
            for (Member each : g.members.values()) {
                if (each.awaitingSync != null) {
                    each.awaitingSync.accept(assignment(g, each, each.syncVersion));
                    each.awaitingSync = null;
                }
            }
        });
    }

    /** The group has just become empty: so it is stored, and its last members are not restored. */
    private void storeEmpty(Group g) {
        int generation = g.generation;
        persist(g, g.snapshot(Map.of(), clock.getAsLong()), error -> {
            if (error != null && !(error instanceof ClosedException)) {
                log.warn("Cannot store that a group is empty: group={}, generation={}, reason={}", g.id, generation,
                        error.toString());
            }
        });
    }

    /**
     * Publishes the group's state (null: a tombstone); {@code then} gets the outcome (null: written) later, on the
     * timer thread, holding the group's monitor. Holds the group's monitor.
     */
    private void persist(Group g, GroupMetadata state, Consumer<Exception> then) {
        store.storeGroup(g.id, state, (metadata, error) -> {
            try {
                timer.execute(() -> {
                    synchronized (g) {
                        try {
                            then.accept(error);
                        } catch (RuntimeException e) {
                            log.error("Group state write follow-up failed: group={}", g.id, e);
                        }
                    }
                });
            } catch (RejectedExecutionException closing) {
                // The server is closing: its connections go, and nobody waits for the answer.
            }
        });
    }

    /**
     * DeleteGroups: an empty group is forgotten and its stored state deleted (a tombstone, published under the
     * group's monitor, so that the state of a group of the same name joined afterwards comes after it in the log),
     * waiting until it is written. A group with members is left alone: false.
     */
    @Override
    public boolean deleteIfEmpty(String groupId) {
        Group g = groups.get(groupId);
        if (g == null) {
            return true;
        }
        CompletableFuture<Void> written = new CompletableFuture<>();
        synchronized (g) {
            if (!g.members.isEmpty()) {
                return false;
            }
            g.dead = true;
            groups.remove(groupId, g);
            store.storeGroup(groupId, null, (metadata, error) -> {
                if (error != null) {
                    written.completeExceptionally(error);
                } else {
                    written.complete(null);
                }
            });
        }
        try {
            written.get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new io.sluice.broker.StorageException("Interrupted while deleting a group: group=" + groupId, e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException re ? re
                    : new io.sluice.broker.StorageException("Cannot delete a group: group=" + groupId, e.getCause());
        } catch (TimeoutException e) {
            throw new io.sluice.broker.StorageException("Timed out deleting a group: group=" + groupId, e);
        }
        return true;
    }

    private static SyncGroupResponseData assignment(Group g, Member m, short version) {
        SyncGroupResponseData response = new SyncGroupResponseData().setAssignment(m.assignment);
        if (version >= 5) { // ProtocolType and ProtocolName exist from v5
            response.setProtocolType(g.protocolType).setProtocolName(g.protocolName);
        }
        return response;
    }

    private static SyncGroupResponseData syncError(Errors error) {
        return new SyncGroupResponseData().setErrorCode(error.code()).setAssignment(new byte[0]);
    }

    Errors heartbeat(String groupId, String memberId, int generation) {
        Group g = groups.get(groupId);
        if (g == null) {
            return Errors.UNKNOWN_MEMBER_ID;
        }
        synchronized (g) {
            Member m = g.members.get(memberId);
            if (m == null) {
                return Errors.UNKNOWN_MEMBER_ID;
            }
            m.lastSeenMs = clock.getAsLong();
            if (g.state == State.PREPARING_REBALANCE) {
                return Errors.REBALANCE_IN_PROGRESS;
            }
            return generation == g.generation ? Errors.NONE : Errors.ILLEGAL_GENERATION;
        }
    }

    ApiMessage leave(LeaveGroupRequestData request, short version) {
        LeaveGroupResponseData response = new LeaveGroupResponseData();
        Group g = groups.get(request.groupId());
        List<LeaveGroupRequestData.MemberIdentity> leaving = version < 3
                ? List.of(new LeaveGroupRequestData.MemberIdentity().setMemberId(request.memberId()))
                : request.members();
        if (g == null) {
            return response.setErrorCode(version < 3 ? Errors.UNKNOWN_MEMBER_ID.code() : Errors.NONE.code())
                    .setMembers(version < 3 ? List.of() : leaving.stream().map(l -> new LeaveGroupResponseData
                            .MemberResponse().setMemberId(l.memberId()).setGroupInstanceId(l.groupInstanceId())
                            .setErrorCode(Errors.UNKNOWN_MEMBER_ID.code())).toList());
        }
        synchronized (g) {
            boolean removed = false;
            for (LeaveGroupRequestData.MemberIdentity l : leaving) {
                String id = l.memberId();
                if ((id == null || id.isEmpty()) && l.groupInstanceId() != null) {
                    id = g.staticMembers.get(l.groupInstanceId());
                }
                Member m = id == null ? null : g.members.remove(id);
                if (m != null && m.instanceId != null) {
                    g.staticMembers.remove(m.instanceId);
                }
                removed |= m != null;
                if (version >= 3) {
                    response.members().add(new LeaveGroupResponseData.MemberResponse().setMemberId(l.memberId())
                            .setGroupInstanceId(l.groupInstanceId())
                            .setErrorCode((m == null ? Errors.UNKNOWN_MEMBER_ID : Errors.NONE).code()));
                } else if (m == null) {
                    response.setErrorCode(Errors.UNKNOWN_MEMBER_ID.code());
                }
            }
            if (removed) {
                membersChanged(g);
            }
        }
        return response;
    }

    /** Members left or expired: the others rebalance, or the group is empty. */
    private void membersChanged(Group g) {
        if (g.members.isEmpty()) {
            g.state = State.EMPTY;
            g.generation++;
            g.protocolName = null;
            g.leader = null;
            storeEmpty(g);
        } else if (g.state == State.PREPARING_REBALANCE) {
            maybeCompleteJoin(g);
        } else {
            prepareRebalance(g);
        }
    }

    private void expire() {
        long now = clock.getAsLong();
        for (Group g : groups.values()) {
            synchronized (g) {
                if (g.state == State.PREPARING_REBALANCE) {
                    continue; // the rebalance timeout decides who is out
                }
                List<Member> expired = g.members.values().stream()
                        .filter(m -> m.awaitingJoin == null && now - m.lastSeenMs > m.sessionTimeoutMs).toList();
                for (Member m : expired) {
                    g.members.remove(m.memberId);
                    if (m.instanceId != null) {
                        g.staticMembers.remove(m.instanceId);
                    }
                }
                if (!expired.isEmpty()) {
                    membersChanged(g);
                }
            }
        }
    }
}
