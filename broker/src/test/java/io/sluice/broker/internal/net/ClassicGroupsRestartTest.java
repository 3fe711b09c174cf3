package io.sluice.broker.internal.net;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.broker.BrokerConfig;
import io.sluice.broker.internal.BrokerCore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The classic group protocol across a broker restart, request by request: what a group was when it was last
 * stored is what members find after the restart, on a clock the test moves.
 */
@Timeout(60)
class ClassicGroupsRestartTest {
    private static final String GROUP = "shop";
    private static final int SESSION_MS = 10_000;

    @TempDir
    Path dir;
    private final AtomicLong now = new AtomicLong(1_700_000_000_000L);
    private BrokerCore core;
    private ScheduledExecutorService timer;
    private ClassicGroups groups;

    @BeforeEach
    void open() {
        core = BrokerCore.start(BrokerConfig.builder(dir).build());
        timer = Executors.newSingleThreadScheduledExecutor();
        groups = new ClassicGroups(timer, now::get, core.groups());
        core.groups().addMembership(groups);
    }

    @AfterEach
    void close() {
        timer.shutdownNow();
        core.close();
    }

    /** The broker stops and starts again on the same directory; its clock goes on where it was. */
    private void restart() {
        close();
        open();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String string(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    /** A JoinGroup (v5), answered now or when the rebalance completes. */
    private CompletableFuture<JoinGroupResponseData> sendJoin(String memberId, String instanceId) {
        JoinGroupRequestData.JoinGroupRequestProtocolCollection protocols =
                new JoinGroupRequestData.JoinGroupRequestProtocolCollection();
        protocols.add(new JoinGroupRequestData.JoinGroupRequestProtocol().setName("range")
                .setMetadata(bytes("subscription of " + (instanceId != null ? instanceId : memberId))));
        CompletableFuture<JoinGroupResponseData> response = new CompletableFuture<>();
        groups.join(new JoinGroupRequestData().setGroupId(GROUP).setMemberId(memberId).setGroupInstanceId(instanceId)
                .setSessionTimeoutMs(SESSION_MS).setRebalanceTimeoutMs(30_000).setProtocolType("consumer")
                .setProtocols(protocols), (short) 5, "client-" + instanceId, "/127.0.0.1",
                m -> response.complete((JoinGroupResponseData) m));
        return response;
    }

    /** A new member's join: a dynamic one is given its id first (MEMBER_ID_REQUIRED), then joins with it. */
    private CompletableFuture<JoinGroupResponseData> joinNew(String instanceId) throws Exception {
        CompletableFuture<JoinGroupResponseData> first = sendJoin("", instanceId);
        if (instanceId != null) {
            return first;
        }
        JoinGroupResponseData required = first.get(5, TimeUnit.SECONDS);
        assertThat(required.errorCode()).isEqualTo(Errors.MEMBER_ID_REQUIRED.code());
        return sendJoin(required.memberId(), null);
    }

    private CompletableFuture<SyncGroupResponseData> sendSync(String memberId, int generation,
                                                              Map<String, String> assignments) {
        List<SyncGroupRequestData.SyncGroupRequestAssignment> list = new ArrayList<>();
        assignments.forEach((id, a) -> list.add(new SyncGroupRequestData.SyncGroupRequestAssignment().setMemberId(id)
                .setAssignment(bytes(a))));
        CompletableFuture<SyncGroupResponseData> response = new CompletableFuture<>();
        groups.sync(new SyncGroupRequestData().setGroupId(GROUP).setMemberId(memberId).setGenerationId(generation)
                .setAssignments(list), (short) 3, m -> response.complete((SyncGroupResponseData) m));
        return response;
    }

    private static <T> T get(CompletableFuture<T> future) throws Exception {
        return future.get(5, TimeUnit.SECONDS);
    }

    /** Heartbeats until the answer is {@code expected} (expiry runs on the timer, twice a second), or 5 s pass. */
    private Errors heartbeatUntil(String memberId, int generation, Errors expected) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        Errors error = groups.heartbeat(GROUP, memberId, generation);
        while (error != expected && System.nanoTime() < deadline) {
            Thread.sleep(50);
            error = groups.heartbeat(GROUP, memberId, generation);
        }
        return error;
    }

    /** Two members, one of them static, joined and synced: the generation, the leader first. */
    private record Stable(int generation, String leader, String follower) {
    }

    private Stable twoMembers() throws Exception {
        JoinGroupResponseData a = get(joinNew(null)); // alone: its join completes at once
        assertThat(a.errorCode()).isEqualTo(Errors.NONE.code());
        get(sendSync(a.memberId(), a.generationId(), Map.of(a.memberId(), "orders-0,orders-1")));
        CompletableFuture<JoinGroupResponseData> b = joinNew("reader-2");
        CompletableFuture<JoinGroupResponseData> aAgain = sendJoin(a.memberId(), null);
        JoinGroupResponseData leader = get(aAgain);
        JoinGroupResponseData follower = get(b);
        assertThat(leader.leader()).isEqualTo(a.memberId());
        int generation = leader.generationId();
        CompletableFuture<SyncGroupResponseData> followerSync = sendSync(follower.memberId(), generation, Map.of());
        SyncGroupResponseData leaderSync = get(sendSync(a.memberId(), generation,
                Map.of(a.memberId(), "orders-0", follower.memberId(), "orders-1")));
        assertThat(string(leaderSync.assignment())).isEqualTo("orders-0");
        assertThat(string(get(followerSync).assignment())).isEqualTo("orders-1");
        return new Stable(generation, a.memberId(), follower.memberId());
    }

    @Test
    void shouldComeBackStableInItsGenerationWithItsMembersAndAssignments() throws Exception {
        Stable before = twoMembers();

        restart();

        assertThat(groups.states()).isEqualTo(Map.of(GROUP, ClassicGroups.State.STABLE));
        for (String member : List.of(before.leader(), before.follower())) {
            assertThat(groups.heartbeat(GROUP, member, before.generation())).isEqualTo(Errors.NONE);
            assertThat(groups.checkMember(GROUP, member, before.generation())).as("a commit is taken")
                    .isEqualTo(Errors.NONE);
        }
        DescribeGroupsResponseData.DescribedGroup described = groups.describe(GROUP, (short) 5);
        assertThat(described.groupState()).isEqualTo("Stable");
        assertThat(described.protocolType()).isEqualTo("consumer");
        assertThat(described.protocolData()).isEqualTo("range");
        assertThat(described.members()).extracting(DescribeGroupsResponseData.DescribedGroupMember::memberId)
                .containsExactly(before.leader(), before.follower());
        assertThat(described.members()).extracting(m -> string(m.memberAssignment()))
                .containsExactly("orders-0", "orders-1");
        assertThat(described.members()).extracting(DescribeGroupsResponseData.DescribedGroupMember::groupInstanceId)
                .containsExactly(null, "reader-2");
        assertThat(described.members()).extracting(m -> string(m.memberMetadata()))
                .containsExactly("subscription of " + before.leader(), "subscription of reader-2");
        // A SyncGroup retried across the restart gets the assignment it had.
        assertThat(string(get(sendSync(before.follower(), before.generation(), Map.of())).assignment()))
                .isEqualTo("orders-1");
        // The static member, restarted too, joins without its member id: it is given the one it had.
        CompletableFuture<JoinGroupResponseData> staticAgain = sendJoin("", "reader-2");
        CompletableFuture<JoinGroupResponseData> leaderAgain = sendJoin(before.leader(), null);
        assertThat(get(staticAgain).memberId()).isEqualTo(before.follower());
        assertThat(get(leaderAgain).leader()).isEqualTo(before.leader());
        assertThat(get(leaderAgain).generationId()).isEqualTo(before.generation() + 1);
    }

    @Test
    void shouldRemoveAMemberThatDoesNotComeBackAfterItsSessionTimeout() throws Exception {
        Stable before = twoMembers();

        restart();

        // Only the leader comes back: its session goes on, the follower's runs out from the restart on.
        now.addAndGet(SESSION_MS / 2);
        assertThat(groups.heartbeat(GROUP, before.leader(), before.generation())).isEqualTo(Errors.NONE);
        now.addAndGet(SESSION_MS / 2 + 1_000);
        assertThat(heartbeatUntil(before.leader(), before.generation(), Errors.REBALANCE_IN_PROGRESS))
                .isEqualTo(Errors.REBALANCE_IN_PROGRESS);
        JoinGroupResponseData rejoined = get(sendJoin(before.leader(), null));
        assertThat(rejoined.generationId()).isEqualTo(before.generation() + 1);
        assertThat(rejoined.members()).extracting(JoinGroupResponseData.JoinGroupResponseMember::memberId)
                .containsExactly(before.leader());
        assertThat(groups.heartbeat(GROUP, before.follower(), before.generation()))
                .isEqualTo(Errors.UNKNOWN_MEMBER_ID);
    }

    @Test
    void shouldLetAGroupCaughtInARebalanceCompleteItAfterTheRestart() throws Exception {
        JoinGroupResponseData a = get(joinNew(null));
        get(sendSync(a.memberId(), a.generationId(), Map.of(a.memberId(), "orders-0,orders-1")));
        // A second member joins: the group prepares a rebalance, and the broker stops before it completes.
        String newcomer = get(sendJoin("", null)).memberId();
        CompletableFuture<JoinGroupResponseData> c = sendJoin(newcomer, null);
        assertThat(c).isNotDone();
        assertThat(groups.heartbeat(GROUP, a.memberId(), a.generationId())).isEqualTo(Errors.REBALANCE_IN_PROGRESS);

        restart();

        // Back in the generation last stored, with its member; the newcomer, never stored, joins afresh.
        assertThat(groups.heartbeat(GROUP, a.memberId(), a.generationId())).isEqualTo(Errors.NONE);
        assertThat(groups.checkMember(GROUP, a.memberId(), a.generationId())).isEqualTo(Errors.NONE);
        assertThat(get(sendJoin(newcomer, null)).errorCode()).isEqualTo(Errors.UNKNOWN_MEMBER_ID.code());
        CompletableFuture<JoinGroupResponseData> cAgain = joinNew(null);
        assertThat(groups.heartbeat(GROUP, a.memberId(), a.generationId())).isEqualTo(Errors.REBALANCE_IN_PROGRESS);
        JoinGroupResponseData leader = get(sendJoin(a.memberId(), null));
        JoinGroupResponseData follower = get(cAgain);
        assertThat(leader.generationId()).isEqualTo(a.generationId() + 1);
        assertThat(leader.leader()).isEqualTo(a.memberId());
        assertThat(leader.members()).hasSize(2);
        CompletableFuture<SyncGroupResponseData> followerSync = sendSync(follower.memberId(), leader.generationId(),
                Map.of());
        assertThat(string(get(sendSync(a.memberId(), leader.generationId(), Map.of(a.memberId(), "orders-0",
                follower.memberId(), "orders-1"))).assignment())).isEqualTo("orders-0");
        assertThat(string(get(followerSync).assignment())).isEqualTo("orders-1");
        assertThat(groups.heartbeat(GROUP, follower.memberId(), leader.generationId())).isEqualTo(Errors.NONE);
    }

    @Test
    void shouldNotBringBackTheMembersOfAGroupThatBecameEmptyOrWasDeleted() throws Exception {
        Stable before = twoMembers();
        groups.leave(new LeaveGroupRequestData().setGroupId(GROUP).setMembers(List.of(
                new LeaveGroupRequestData.MemberIdentity().setMemberId(before.leader()),
                new LeaveGroupRequestData.MemberIdentity().setGroupInstanceId("reader-2"))), (short) 3);
        assertThat(groups.hasMembers(GROUP)).isFalse();

        restart();

        assertThat(groups.hasMembers(GROUP)).isFalse();
        assertThat(groups.heartbeat(GROUP, before.leader(), before.generation())).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(groups.checkMember(GROUP, before.follower(), before.generation()))
                .isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        // The generation goes on from where the empty group left it.
        JoinGroupResponseData next = get(joinNew(null));
        assertThat(next.generationId()).isEqualTo(before.generation() + 2);
        groups.leave(new LeaveGroupRequestData().setGroupId(GROUP).setMembers(List.of(
                new LeaveGroupRequestData.MemberIdentity().setMemberId(next.memberId()))), (short) 3);
        core.groups().deleteGroup(GROUP);

        restart();

        assertThat(core.groups().loadedGroups()).doesNotContainKey(GROUP);
        assertThat(get(joinNew(null)).generationId()).as("a new group").isEqualTo(1);
    }
}
