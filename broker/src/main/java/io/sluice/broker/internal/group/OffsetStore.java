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
 * Committed consumer offsets, kept in memory and made durable in the compacted internal topic
 * {@value #TOPIC}, as Kafka does. Each commit is one record per partition, keyed by group, topic and partition, in
 * the topic partition chosen by the group id; the latest record per key wins, so compaction keeps the topic small.
 *
 * <pre>
 *   key   = version:int16 (1) | group:string | topic:string | partition:int32
 *   value = version:int16 (1) | offset:int64 | metadata:string | commitTimestamp:int64
 *   string = length:int16 | UTF-8 bytes
 * </pre>
 */
final class OffsetStore {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(OffsetStore.class);
    static final String TOPIC = "__consumer_offsets";
    private static final short VERSION = 1;

    private final Topic topic;
    private final Map<String, Map<TopicPartition, OffsetAndMetadata>> committed = new ConcurrentHashMap<>();

    OffsetStore(Topic topic) {
        this.topic = topic;
    }

    /**
     * Reads every partition of the offsets topic and keeps the latest commit per key. A corrupt batch is logged and
     * skipped (its commits are lost: those groups resume from an earlier commit); a batch whose header cannot be read
     * ends the partition's load there.
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
            log.warn("Skipping an unreadable committed-offset record: partition={}, offset={}, reason={}", tp,
                    record.offset(), e.toString());
        }
    }

    private void apply(ByteBuffer key, ByteBuffer value) {
        key = key.duplicate();
        if (key.getShort() != VERSION) {
            return;
        }
        String group = readString(key);
        TopicPartition tp = new TopicPartition(readString(key), key.getInt());
        Map<TopicPartition, OffsetAndMetadata> offsets = committed.computeIfAbsent(group,
                g -> new ConcurrentHashMap<>());
        if (value == null) {
            offsets.remove(tp);
            return;
        }
        value = value.duplicate();
        if (value.getShort() != VERSION) {
            return;
        }
        long offset = value.getLong();
        String metadata = readString(value);
        offsets.put(tp, new OffsetAndMetadata(offset, metadata));
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
        Partition partition = topic.partition(
                (io.sluice.broker.internal.client.Partitioner.murmur2(utf8(group)) & 0x7fffffff)
                        % topic.partitionCount());
        List<CompletableFuture<Void>> writes = new ArrayList<>(values.size());
        for (Map.Entry<TopicPartition, byte[]> e : values.entrySet()) {
            CompletableFuture<Void> written = new CompletableFuture<>();
            Callback completion = (metadata, error) -> {
                if (error != null) {
                    written.completeExceptionally(error);
                } else {
                    written.complete(null);
                }
            };
            boolean published = partition.shard().tryPublish(partition.writer(), key(group, e.getKey()),
                    e.getValue(), nowMs, Record.EMPTY_HEADERS, completion);
            if (!published) {
                throw new io.sluice.broker.ClosedException("broker");
            }
            writes.add(written);
        }
        try {
            CompletableFuture.allOf(writes.toArray(new CompletableFuture[0])).get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StorageException("Interrupted while writing committed offsets: group=" + group, e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw cause instanceof RuntimeException re ? re
                    : new StorageException("Cannot write committed offsets: group=" + group, cause);
        } catch (TimeoutException e) {
            throw new StorageException("Timed out writing committed offsets: group=" + group, e);
        }
    }

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

    private static byte[] key(String group, TopicPartition tp) {
        byte[] g = utf8(group);
        byte[] t = utf8(tp.topic());
        ByteBuffer b = ByteBuffer.allocate(2 + 2 + g.length + 2 + t.length + 4);
        b.putShort(VERSION);
        putString(b, g);
        putString(b, t);
        b.putInt(tp.partition());
        return b.array();
    }

    private static byte[] value(OffsetAndMetadata offset, long nowMs) {
        byte[] m = utf8(offset.metadata());
        ByteBuffer b = ByteBuffer.allocate(2 + 8 + 2 + m.length + 8);
        b.putShort(VERSION);
        b.putLong(offset.offset());
        putString(b, m);
        b.putLong(nowMs);
        return b.array();
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

    private static String readString(ByteBuffer b) {
        int length = b.getShort() & 0xffff;
        byte[] bytes = new byte[length];
        b.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
