package io.sluice.broker.internal.group;

import io.sluice.broker.Callback;
import io.sluice.broker.CorruptLogException;
import io.sluice.broker.OffsetAndMetadata;
import io.sluice.broker.StorageException;
import io.sluice.broker.TopicPartition;
import io.sluice.broker.internal.log.PartitionLog;
import io.sluice.broker.internal.log.StoredBatches;
import io.sluice.broker.internal.topic.Partition;
import io.sluice.broker.internal.topic.Topic;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.common.record.FileLogInputStream.FileChannelRecordBatch;
import org.apache.kafka.common.record.Record;

/**
 * Committed consumer offsets and the state of classic groups, kept in memory and made durable in the compacted
 * internal topic {@value #TOPIC}, as Kafka does. Each commit is one record per partition, keyed by group, topic and
 * partition; each state a classic group reaches that must outlive the broker (a generation complete, the group
 * empty) is one record keyed by the group. A group's records all go to the topic partition chosen by the group id,
 * so they keep their order; the latest record per key wins, and compaction keeps the topic small. The key's version
 * tells the kinds apart, as Kafka's do (its offset keys are versions 0 and 1, its group keys version 2); the group
 * value is Kafka's {@code GroupMetadataValue} version 3, field for field.
 *
 * <pre>
 *   offset commit, one per partition committed:
 *     key    = version:int16 (1) | group:string | topic:string | partition:int32
 *     value  = version:int16 (1) | offset:int64 | metadata:string | commitTimestamp:int64
 *   group state, one per group ({@link GroupMetadata}):
 *     key    = version:int16 (2) | group:string
 *     value  = version:int16 (3) | protocolType:string | generation:int32 | protocol:nullable-string
 *              | leader:nullable-string | currentStateTimestamp:int64 | memberCount:int32 | member * memberCount
 *     member = memberId:string | groupInstanceId:nullable-string | clientId:string | clientHost:string
 *              | rebalanceTimeoutMs:int32 | sessionTimeoutMs:int32 | subscription:bytes | assignment:bytes
 *   string          = length:int16 | UTF-8 bytes
 *   nullable-string = length:int16 (-1: null) | UTF-8 bytes
 *   bytes           = length:int32 | bytes
 * </pre>
 *
 * A record without a value (a tombstone) deletes its key: a partition's commit, or a group's state, when the group
 * is deleted. An empty group's state has no members, a null protocol and a null leader. Records that cannot be read
 * on load — corrupt, or of a version this broker does not know — are skipped with a warning; the group keeps what
 * the records before them said.
 *
 * <p>Threads:
 * <ul>
 *   <li>{@link #load} runs once, on the thread starting the broker, before the store is shared.</li>
 *   <li>{@link #commit}, {@link #delete} and {@link #deleteGroup}: any thread; each waits until the journal has
 *       written its records (so never from a broker thread), then updates the concurrent map of commits.</li>
 *   <li>{@link #storeGroup}: any thread but a broker thread; it publishes the record into the journal's ring and
 *       does not wait for the write. The ring's order is the log's, so a caller that stores a group's states one
 *       at a time (under the group's lock) leaves them in the log in that order. The completion runs on the
 *       partition's journal (or flusher) thread: it must be short and must not block.</li>
 *   <li>{@link #loadedGroups} is filled by {@link #load} and not changed after: any thread may read it.</li>
 * </ul>
 */
final class OffsetStore {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(OffsetStore.class);
    static final String TOPIC = "__consumer_offsets";
    /** Key and value version of an offset commit. */
    static final short OFFSET_VERSION = 1;
    /** Key version of a group's state (Kafka's GroupMetadataKey). */
    static final short GROUP_KEY_VERSION = 2;
    /** Value version of a group's state (Kafka's GroupMetadataValue, version 3). */
    static final short GROUP_VALUE_VERSION = 3;
    /** Bytes a member takes at least: four empty strings, two timeouts, two empty byte arrays. */
    private static final int MIN_MEMBER_BYTES = 4 * 2 + 2 * 4 + 2 * 4;

    private final Topic topic;
    private final Map<String, Map<TopicPartition, OffsetAndMetadata>> committed = new ConcurrentHashMap<>();
    /** Each group's latest state in the log, as {@link #load} found it. */
    private final Map<String, GroupMetadata> loadedGroups = new HashMap<>();
    /** Groups whose latest record in the log (or published to it) is a state, not a tombstone. */
    private final Set<String> storedGroups = ConcurrentHashMap.newKeySet();

    OffsetStore(Topic topic) {
        this.topic = topic;
    }

    /**
     * Reads every partition of the offsets topic and keeps the latest commit and group state per key. A corrupt
     * batch is logged and skipped (its commits and states are lost: those groups resume from earlier ones); a batch
     * whose header cannot be read ends the partition's load there.
     */
    void load() {
        for (Partition partition : topic.partitions()) {
            try {
                load(partition);
            } catch (CorruptLogException e) {
                log.error("Cannot read past corrupt committed offsets, the rest of the partition is not loaded: "
                        + "partition={}, file={}, position={}", partition.topicPartition(), e.file(), e.position(), e);
            }
        }
        if (!loadedGroups.isEmpty()) {
            log.info("Loaded the state of classic groups: groups={}, members={}", loadedGroups.size(),
                    loadedGroups.values().stream().mapToInt(g -> g.members().size()).sum());
        }
    }

    private void load(Partition partition) {
        PartitionLog partitionLog = partition.log();
        TopicPartition tp = partition.topicPartition();
        long next = partitionLog.logStartOffset();
        while (next < partitionLog.highWatermark()) {
            PartitionLog.ReadResult result = partitionLog.read(next, 1 << 20);
            if (result.isEmpty()) {
                break;
            }
            Path file = result.records().file().toPath();
            long readFrom = next;
            for (FileChannelRecordBatch batch : StoredBatches.batches(tp, result.records(), result.filePosition(),
                    next)) {
                long from = next;
                try {
                    StoredBatches.forEachRecord(tp, file, batch, record -> {
                        if (record.offset() >= from && record.hasKey()) {
                            applyOrSkip(tp, record);
                        }
                    });
                } catch (CorruptLogException e) {
                    log.error("Skipping a corrupt batch of committed offsets: partition={}, file={}, position={}, "
                            + "offset={}", tp, e.file(), e.position(), e.offset(), e);
                }
                next = batch.lastOffset() + 1;
            }
            if (next == readFrom) {
                // A batch whose size runs past the data read ends the iteration without a batch.
                throw new CorruptLogException(tp, file, result.filePosition(), next, "no whole batch where the read "
                        + "starts", null);
            }
        }
    }

    private void applyOrSkip(TopicPartition tp, Record record) {
        try {
            apply(record.key(), record.hasValue() ? record.value() : null);
        } catch (RuntimeException e) {
            log.warn("Skipping an unreadable record of the offsets topic: partition={}, offset={}, reason={}", tp,
                    record.offset(), e.toString());
        }
    }

    /** Applies one record of the log; throws (and changes nothing) if it cannot be read. */
    private void apply(ByteBuffer key, ByteBuffer value) {
        key = key.duplicate();
        short version = key.getShort();
        if (version == OFFSET_VERSION) {
            applyOffset(key, value);
        } else if (version == GROUP_KEY_VERSION) {
            applyGroup(key, value);
        } else {
            throw new IllegalArgumentException("unknown key version " + version);
        }
    }

    private void applyOffset(ByteBuffer key, ByteBuffer value) {
        String group = readString(key);
        TopicPartition tp = new TopicPartition(readString(key), key.getInt());
        if (value == null) {
            Map<TopicPartition, OffsetAndMetadata> offsets = committed.get(group);
            if (offsets != null) {
                offsets.remove(tp);
            }
            return;
        }
        value = value.duplicate();
        short version = value.getShort();
        if (version != OFFSET_VERSION) {
            throw new IllegalArgumentException("unknown offset commit version " + version);
        }
        long offset = value.getLong();
        String metadata = readString(value);
        committed.computeIfAbsent(group, g -> new ConcurrentHashMap<>()).put(tp, new OffsetAndMetadata(offset,
                metadata));
    }

    private void applyGroup(ByteBuffer key, ByteBuffer value) {
        String group = readString(key);
        requireEnd(key, "group key");
        if (value == null) {
            loadedGroups.remove(group);
            storedGroups.remove(group);
            return;
        }
        GroupMetadata state = readGroup(value.duplicate());
        loadedGroups.put(group, state);
        storedGroups.add(group);
    }

    /** Writes the commit durably (as the offsets topic's flush policy defines), then makes it visible. */
    void commit(String group, Map<TopicPartition, OffsetAndMetadata> offsets, long nowMs) {
        if (offsets.isEmpty()) {
            return;
        }
        if (utf8(group).length > MAX_STRING_BYTES) {
            throw new io.sluice.broker.InvalidConfigException("Invalid consumer config: key=group.id, reason=longer "
                    + "than " + MAX_STRING_BYTES + " bytes in UTF-8");
        }
        for (Map.Entry<TopicPartition, OffsetAndMetadata> e : offsets.entrySet()) {
            if (utf8(e.getValue().metadata()).length > MAX_STRING_BYTES) {
                throw new IllegalArgumentException("Commit metadata longer than " + MAX_STRING_BYTES
                        + " bytes in UTF-8: partition=" + e.getKey());
            }
        }
        Map<TopicPartition, byte[]> values = new HashMap<>();
        offsets.forEach((tp, offset) -> values.put(tp, value(offset, nowMs)));
        write(group, values, nowMs);
        committed.computeIfAbsent(group, g -> new ConcurrentHashMap<>()).putAll(offsets);
    }

    /**
     * Deletes a group's committed offsets: a tombstone per partition, written as a commit is; returns whether it had
     * any.
     */
    boolean delete(String group, long nowMs) {
        Map<TopicPartition, OffsetAndMetadata> offsets = committed.getOrDefault(group, Map.of());
        if (offsets.isEmpty()) {
            return false;
        }
        Map<TopicPartition, byte[]> tombstones = new HashMap<>();
        offsets.keySet().forEach(tp -> tombstones.put(tp, null));
        write(group, tombstones, nowMs);
        committed.remove(group);
        return true;
    }

    /** Writes one record per partition (null: a tombstone) to the group's partition and waits until written. */
    private void write(String group, Map<TopicPartition, byte[]> values, long nowMs) {
        List<CompletableFuture<Void>> writes = new ArrayList<>(values.size());
        for (Map.Entry<TopicPartition, byte[]> e : values.entrySet()) {
            writes.add(publish(group, key(group, e.getKey()), e.getValue(), nowMs));
        }
        await(writes, "committed offsets", group);
    }

    // ---------------------------------------------------------------------------------------------- group state

    /** Each classic group's latest state as the log had it at {@link #load}: empty groups included. */
    Map<String, GroupMetadata> loadedGroups() {
        return java.util.Collections.unmodifiableMap(loadedGroups);
    }

    /** Whether the group's latest record in the log, or on its way there, is a state rather than a tombstone. */
    boolean hasGroupState(String group) {
        return storedGroups.contains(group);
    }

    /**
     * Publishes the group's state ({@code state} null: a tombstone) without waiting for it to be written; the
     * completion runs once it is (or has failed), on a broker thread, or at once on this one if it cannot be
     * published. Not from a broker thread.
     */
    void storeGroup(String group, GroupMetadata state, long nowMs, Callback completion) {
        byte[] key;
        byte[] value;
        try {
            key = groupKey(group);
            value = state == null ? null : groupValue(state);
        } catch (RuntimeException e) {
            completion.onCompletion(null, e);
            return;
        }
        if (state == null) {
            storedGroups.remove(group);
        } else {
            storedGroups.add(group);
        }
        Partition partition = partitionOf(group);
        if (!partition.shard().tryPublish(partition.writer(), key, value, nowMs, Record.EMPTY_HEADERS, completion)) {
            completion.onCompletion(null, new io.sluice.broker.ClosedException("broker"));
        }
    }

    /**
     * Deletes the group's state, if the log has one: a tombstone, written before this returns; returns whether it
     * had one.
     */
    boolean deleteGroup(String group, long nowMs) {
        if (!storedGroups.remove(group)) {
            return false;
        }
        await(List.of(publish(group, groupKey(group), null, nowMs)), "group state", group);
        return true;
    }

    // ---------------------------------------------------------------------------------------------- writing

    private Partition partitionOf(String group) {
        return topic.partition((io.sluice.broker.internal.client.Partitioner.murmur2(utf8(group)) & 0x7fffffff)
                % topic.partitionCount());
    }

    /** Publishes one record (null value: a tombstone) to the group's partition; the future completes when written. */
    private CompletableFuture<Void> publish(String group, byte[] key, byte[] value, long nowMs) {
        Partition partition = partitionOf(group);
        CompletableFuture<Void> written = new CompletableFuture<>();
        Callback completion = (metadata, error) -> {
            if (error != null) {
                written.completeExceptionally(error);
            } else {
                written.complete(null);
            }
        };
        if (!partition.shard().tryPublish(partition.writer(), key, value, nowMs, Record.EMPTY_HEADERS, completion)) {
            throw new io.sluice.broker.ClosedException("broker");
        }
        return written;
    }

    private static void await(List<CompletableFuture<Void>> writes, String what, String group) {
        try {
            CompletableFuture.allOf(writes.toArray(new CompletableFuture[0])).get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StorageException("Interrupted while writing " + what + ": group=" + group, e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw cause instanceof RuntimeException re ? re
                    : new StorageException("Cannot write " + what + ": group=" + group, cause);
        } catch (TimeoutException e) {
            throw new StorageException("Timed out writing " + what + ": group=" + group, e);
        }
    }

    // ---------------------------------------------------------------------------------------------- reading

    Map<TopicPartition, OffsetAndMetadata> committed(String group, Set<TopicPartition> partitions) {
        Map<TopicPartition, OffsetAndMetadata> all = committed.getOrDefault(group, Map.of());
        Map<TopicPartition, OffsetAndMetadata> found = new HashMap<>();
        for (TopicPartition tp : partitions) {
            OffsetAndMetadata offset = all.get(tp);
            if (offset != null) {
                found.put(tp, offset);
            }
        }
        return found;
    }

    Map<TopicPartition, OffsetAndMetadata> all(String group) {
        return Map.copyOf(committed.getOrDefault(group, Map.of()));
    }

    Set<String> groups() {
        Set<String> groups = new java.util.TreeSet<>();
        committed.forEach((group, offsets) -> {
            if (!offsets.isEmpty()) {
                groups.add(group);
            }
        });
        return groups;
    }

    // ---------------------------------------------------------------------------------------------- layout

    private static byte[] key(String group, TopicPartition tp) {
        byte[] g = utf8(group);
        byte[] t = utf8(tp.topic());
        ByteBuffer b = ByteBuffer.allocate(2 + 2 + g.length + 2 + t.length + 4);
        b.putShort(OFFSET_VERSION);
        putString(b, g);
        putString(b, t);
        b.putInt(tp.partition());
        return b.array();
    }

    private static byte[] value(OffsetAndMetadata offset, long nowMs) {
        byte[] m = utf8(offset.metadata());
        ByteBuffer b = ByteBuffer.allocate(2 + 8 + 2 + m.length + 8);
        b.putShort(OFFSET_VERSION);
        b.putLong(offset.offset());
        putString(b, m);
        b.putLong(nowMs);
        return b.array();
    }

    static byte[] groupKey(String group) {
        byte[] g = utf8(group);
        ByteBuffer b = ByteBuffer.allocate(2 + 2 + g.length);
        b.putShort(GROUP_KEY_VERSION);
        putString(b, g);
        return b.array();
    }

    static byte[] groupValue(GroupMetadata state) {
        byte[] protocolType = utf8(state.protocolType());
        byte[] protocol = state.protocol() == null ? null : utf8(state.protocol());
        byte[] leader = state.leader() == null ? null : utf8(state.leader());
        int size = 2 + 2 + protocolType.length + 4 + nullableSize(protocol) + nullableSize(leader) + 8 + 4;
        List<byte[][]> members = new ArrayList<>(state.members().size());
        for (GroupMetadata.Member m : state.members()) {
            byte[][] fields = {utf8(m.memberId()), m.groupInstanceId() == null ? null : utf8(m.groupInstanceId()),
                utf8(m.clientId()), utf8(m.clientHost()), m.subscription(), m.assignment()};
            members.add(fields);
            size += 2 + fields[0].length + nullableSize(fields[1]) + 2 + fields[2].length + 2 + fields[3].length
                    + 4 + 4 + 4 + fields[4].length + 4 + fields[5].length;
        }
        ByteBuffer b = ByteBuffer.allocate(size);
        b.putShort(GROUP_VALUE_VERSION);
        putString(b, protocolType);
        b.putInt(state.generation());
        putNullableString(b, protocol);
        putNullableString(b, leader);
        b.putLong(state.currentStateTimestamp());
        b.putInt(members.size());
        for (int i = 0; i < members.size(); i++) {
            byte[][] fields = members.get(i);
            GroupMetadata.Member m = state.members().get(i);
            putString(b, fields[0]);
            putNullableString(b, fields[1]);
            putString(b, fields[2]);
            putString(b, fields[3]);
            b.putInt(m.rebalanceTimeoutMs());
            b.putInt(m.sessionTimeoutMs());
            b.putInt(fields[4].length).put(fields[4]);
            b.putInt(fields[5].length).put(fields[5]);
        }
        return b.array();
    }

    /** Reads a group's state, all of {@code b}; throws if it is not one this broker wrote. */
    static GroupMetadata readGroup(ByteBuffer b) {
        short version = b.getShort();
        if (version != GROUP_VALUE_VERSION) {
            throw new IllegalArgumentException("unknown group state version " + version);
        }
        String protocolType = readString(b);
        int generation = b.getInt();
        String protocol = readNullableString(b);
        String leader = readNullableString(b);
        long timestamp = b.getLong();
        int count = b.getInt();
        if (count < 0 || count > b.remaining() / MIN_MEMBER_BYTES) {
            throw new IllegalArgumentException("member count " + count + " does not fit the record");
        }
        List<GroupMetadata.Member> members = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String memberId = readString(b);
            String instanceId = readNullableString(b);
            String clientId = readString(b);
            String clientHost = readString(b);
            int rebalanceTimeoutMs = b.getInt();
            int sessionTimeoutMs = b.getInt();
            byte[] subscription = readBytes(b);
            byte[] assignment = readBytes(b);
            if (memberId.isEmpty() || sessionTimeoutMs <= 0) { // a JoinGroup's session timeout is 1 s to 30 min
                throw new IllegalArgumentException("member " + i + " is not valid: memberId=" + memberId
                        + ", sessionTimeoutMs=" + sessionTimeoutMs);
            }
            members.add(new GroupMetadata.Member(memberId, instanceId, clientId, clientHost, rebalanceTimeoutMs,
                    sessionTimeoutMs, subscription, assignment));
        }
        requireEnd(b, "group state");
        if (generation < 0 || (!members.isEmpty() && (protocol == null || leader == null))) {
            throw new IllegalArgumentException("group state is not valid: generation=" + generation + ", protocol="
                    + protocol + ", leader=" + leader + ", members=" + members.size());
        }
        return new GroupMetadata(protocolType, generation, protocol, leader, timestamp, members);
    }

    /** Kafka's strings on the wire and in its offsets topic have an int16 length. */
    static final int MAX_STRING_BYTES = Short.MAX_VALUE;

    private static void putString(ByteBuffer b, byte[] s) {
        if (s.length > MAX_STRING_BYTES) {
            throw new IllegalArgumentException("String longer than " + MAX_STRING_BYTES + " bytes in UTF-8: "
                    + s.length + " bytes");
        }
        b.putShort((short) s.length);
        b.put(s);
    }

    private static void putNullableString(ByteBuffer b, byte[] s) {
        if (s == null) {
            b.putShort((short) -1);
        } else {
            putString(b, s);
        }
    }

    private static int nullableSize(byte[] s) {
        return 2 + (s == null ? 0 : s.length);
    }

    private static String readString(ByteBuffer b) {
        int length = b.getShort() & 0xffff;
        byte[] bytes = new byte[length];
        b.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static String readNullableString(ByteBuffer b) {
        short length = b.getShort();
        if (length == -1) {
            return null;
        }
        if (length < 0) {
            throw new IllegalArgumentException("string length " + length);
        }
        byte[] bytes = new byte[length];
        b.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static byte[] readBytes(ByteBuffer b) {
        int length = b.getInt();
        if (length < 0 || length > b.remaining()) {
            throw new IllegalArgumentException("bytes length " + length + " does not fit the record");
        }
        byte[] bytes = new byte[length];
        b.get(bytes);
        return bytes;
    }

    private static void requireEnd(ByteBuffer b, String what) {
        if (b.hasRemaining()) {
            throw new IllegalArgumentException(b.remaining() + " bytes left after the " + what);
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
