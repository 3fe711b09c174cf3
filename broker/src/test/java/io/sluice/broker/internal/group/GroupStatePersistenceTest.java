package io.sluice.broker.internal.group;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.broker.BrokerConfig;
import io.sluice.broker.OffsetAndMetadata;
import io.sluice.broker.TopicPartition;
import io.sluice.broker.UnknownGroupException;
import io.sluice.broker.internal.BrokerCore;
import io.sluice.broker.internal.client.Partitioner;
import io.sluice.broker.internal.topic.Partition;
import io.sluice.broker.internal.topic.Topic;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.record.Record;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Classic groups' state in the offsets topic: written through the coordinator, read back by a broker opened again
 * on the same directory — the latest state per group, empty and deleted groups as they were left, records that
 * cannot be read skipped.
 */
@Timeout(60)
class GroupStatePersistenceTest {
    @TempDir
    Path dir;
    private BrokerCore core;

    @BeforeEach
    void open() {
        core = BrokerCore.start(BrokerConfig.builder(dir).build());
    }

    @AfterEach
    void close() {
        core.close();
    }

    private void reopen() {
        core.close();
        core = BrokerCore.start(BrokerConfig.builder(dir).build());
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static GroupMetadata.Member member(String id, String instanceId, String assignment) {
        return new GroupMetadata.Member(id, instanceId, "client-" + id, "/127.0.0.1:5" + id.length(), 30_000, 10_000,
                bytes("subscription of " + id), bytes(assignment));
    }

    private static GroupMetadata stable(int generation, GroupMetadata.Member... members) {
        return new GroupMetadata("consumer", generation, "range", members[0].memberId(),
                1_700_000_000_000L + generation, List.of(members));
    }

    private static GroupMetadata empty(int generation) {
        return new GroupMetadata("consumer", generation, null, null, 1_700_000_000_000L, List.of());
    }

    /** Stores a state (null: deletes it) and waits until it is written. */
    private void store(String group, GroupMetadata state) throws Exception {
        CompletableFuture<Void> written = new CompletableFuture<>();
        core.groups().storeGroup(group, state, (metadata, error) -> {
            if (error != null) {
                written.completeExceptionally(error);
            } else {
                written.complete(null);
            }
        });
        written.get(10, TimeUnit.SECONDS);
    }

    /** Appends a record of our own to the group's partition of the offsets topic, as the store would place it. */
    private void append(String group, byte[] key, byte[] value) throws Exception {
        Topic topic = core.registry().topic(GroupCoordinator.offsetsTopic());
        Partition partition = topic.partition((Partitioner.murmur2(bytes(group)) & 0x7fffffff)
                % topic.partitionCount());
        CompletableFuture<Void> written = new CompletableFuture<>();
        assertThat(partition.shard().tryPublish(partition.writer(), key, value, System.currentTimeMillis(),
                Record.EMPTY_HEADERS, (m, e) -> {
                    if (e != null) {
                        written.completeExceptionally(e);
                    } else {
                        written.complete(null);
                    }
                })).isTrue();
        written.get(10, TimeUnit.SECONDS);
    }

    private static void assertSameState(GroupMetadata actual, GroupMetadata expected) {
        assertThat(actual).isNotNull();
        assertThat(actual.protocolType()).isEqualTo(expected.protocolType());
        assertThat(actual.generation()).isEqualTo(expected.generation());
        assertThat(actual.protocol()).isEqualTo(expected.protocol());
        assertThat(actual.leader()).isEqualTo(expected.leader());
        assertThat(actual.currentStateTimestamp()).isEqualTo(expected.currentStateTimestamp());
        assertThat(actual.members()).hasSameSizeAs(expected.members());
        for (int i = 0; i < expected.members().size(); i++) {
            GroupMetadata.Member a = actual.members().get(i);
            GroupMetadata.Member e = expected.members().get(i);
            assertThat(a.memberId()).isEqualTo(e.memberId());
            assertThat(a.groupInstanceId()).isEqualTo(e.groupInstanceId());
            assertThat(a.clientId()).isEqualTo(e.clientId());
            assertThat(a.clientHost()).isEqualTo(e.clientHost());
            assertThat(a.rebalanceTimeoutMs()).isEqualTo(e.rebalanceTimeoutMs());
            assertThat(a.sessionTimeoutMs()).isEqualTo(e.sessionTimeoutMs());
            assertThat(a.subscription()).isEqualTo(e.subscription());
            assertThat(a.assignment()).isEqualTo(e.assignment());
        }
    }

    @Test
    void shouldReloadEachGroupsLatestStateWithItsOffsets() throws Exception {
        GroupMetadata shop = stable(4, member("m-1", null, "orders-0,orders-1"), member("m-22", "reader-2", ""),
                member("m-333", null, "orders-2"));
        store("shop", stable(3, member("m-1", null, "orders-0,orders-1,orders-2")));
        store("shop", shop);
        GroupMetadata billing = stable(1, member("b-1", "billing-1", "payments-0"));
        store("billing", billing);
        TopicPartition tp = new TopicPartition("orders", 1);
        core.groups().commit("shop", Map.of(tp, new OffsetAndMetadata(42, "meta")));

        reopen();

        Map<String, GroupMetadata> loaded = core.groups().loadedGroups();
        assertThat(loaded).containsOnlyKeys("shop", "billing");
        assertSameState(loaded.get("shop"), shop);
        assertSameState(loaded.get("billing"), billing);
        assertThat(core.groups().committed("shop")).isEqualTo(Map.of(tp, new OffsetAndMetadata(42, "meta")));
    }

    @Test
    void shouldNotResurrectAGroupThatBecameEmptyOrWasDeleted() throws Exception {
        store("emptied", stable(2, member("m-1", null, "a")));
        store("emptied", empty(3));
        store("deleted", stable(5, member("d-1", "static-1", "b")));
        store("deleted", empty(6));
        core.groups().commit("deleted", Map.of(new TopicPartition("orders", 0), new OffsetAndMetadata(7, "")));
        store("state-only", empty(1));
        core.groups().deleteGroup("deleted");
        core.groups().deleteGroup("state-only"); // known by its state alone: deleted all the same

        reopen();

        Map<String, GroupMetadata> loaded = core.groups().loadedGroups();
        assertThat(loaded).containsOnlyKeys("emptied");
        assertSameState(loaded.get("emptied"), empty(3));
        assertThat(core.groups().committed("deleted")).isEmpty();
        assertThatThrownBy(() -> core.groups().deleteGroup("state-only")).isInstanceOf(UnknownGroupException.class);
        // A group of the same name after the deletion is a new one, and comes back as such.
        GroupMetadata again = stable(1, member("d-2", null, "c"));
        store("deleted", again);
        reopen();
        assertThat(core.groups().loadedGroups()).containsOnlyKeys("emptied", "deleted");
        assertSameState(core.groups().loadedGroups().get("deleted"), again);
    }

    @Test
    void shouldSkipGroupRecordsItCannotReadAndStartAllTheSame() throws Exception {
        GroupMetadata good = stable(3, member("m-1", null, "a"), member("m-2", "i-2", "b"));
        store("g", good);
        byte[] newer = OffsetStore.groupValue(stable(4, member("m-1", null, "a")));
        // Newer records for the group that cannot be read: cut short, of an unknown version, with bytes left over,
        // claiming more members than it holds, a member without a session timeout, an unknown kind of key.
        append("g", OffsetStore.groupKey("g"), Arrays.copyOf(newer, newer.length - 3));
        append("g", OffsetStore.groupKey("g"), ByteBuffer.allocate(newer.length).put(newer).putShort(0, (short) 9)
                .array());
        append("g", OffsetStore.groupKey("g"), Arrays.copyOf(newer, newer.length + 1));
        ByteBuffer tooMany = ByteBuffer.wrap(OffsetStore.groupValue(empty(4)).clone());
        tooMany.putInt(tooMany.capacity() - 4, 1_000_000);
        append("g", OffsetStore.groupKey("g"), tooMany.array());
        append("g", OffsetStore.groupKey("g"), OffsetStore.groupValue(stable(5, new GroupMetadata.Member("m-1",
                null, "c", "h", 1000, 0, new byte[0], new byte[0]))));
        append("g", ByteBuffer.allocate(4).putShort((short) 77).putShort((short) 0).array(), new byte[] {1, 2, 3});
        byte[] badKey = OffsetStore.groupKey("g");
        append("g", Arrays.copyOf(badKey, badKey.length + 2), OffsetStore.groupValue(empty(9)));
        // A group whose only record is unreadable, and a good one written after them all.
        append("lost", OffsetStore.groupKey("lost"), new byte[] {0, 3, 0});
        GroupMetadata later = stable(1, member("l-1", null, "z"));
        store("later", later);

        reopen();

        Map<String, GroupMetadata> loaded = core.groups().loadedGroups();
        assertThat(loaded).containsOnlyKeys("g", "later");
        assertSameState(loaded.get("g"), good);
        assertSameState(loaded.get("later"), later);
    }

    @Test
    void shouldKeepTheLayoutOfKafkasGroupMetadataRecord() {
        GroupMetadata state = stable(7, member("m", "i", "x"));
        ByteBuffer key = ByteBuffer.wrap(OffsetStore.groupKey("g"));
        assertThat(key.getShort()).as("key version: Kafka's GroupMetadataKey").isEqualTo((short) 2);
        assertThat(key.getShort()).isEqualTo((short) 1);
        assertThat(key.get()).isEqualTo((byte) 'g');
        ByteBuffer value = ByteBuffer.wrap(OffsetStore.groupValue(state));
        assertThat(value.getShort()).as("GroupMetadataValue version 3").isEqualTo((short) 3);
        assertThat(value.getShort()).isEqualTo((short) "consumer".length());
        value.position(value.position() + "consumer".length());
        assertThat(value.getInt()).as("generation").isEqualTo(7);
        ByteBuffer empty = ByteBuffer.wrap(OffsetStore.groupValue(empty(2)));
        empty.position(2 + 2 + "consumer".length() + 4);
        assertThat(empty.getShort()).as("null protocol").isEqualTo((short) -1);
        assertThat(empty.getShort()).as("null leader").isEqualTo((short) -1);
        assertThat(empty.getLong()).as("timestamp").isEqualTo(1_700_000_000_000L);
        assertThat(empty.getInt()).as("no members").isZero();
        assertThat(empty.hasRemaining()).isFalse();
        assertSameState(OffsetStore.readGroup(ByteBuffer.wrap(OffsetStore.groupValue(state))), state);
    }
}
