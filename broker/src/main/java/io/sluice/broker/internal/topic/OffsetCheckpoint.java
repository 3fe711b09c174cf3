package io.sluice.broker.internal.topic;

import io.sluice.broker.StorageException;
import io.sluice.broker.TopicPartition;
import io.sluice.broker.internal.log.LogFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A checkpoint file of one offset per partition, written atomically. Kafka's text format, plus the topic id, so that
 * the entry of a deleted topic is never applied to a new topic of the same name:
 *
 * <pre>
 *   1                            version
 *   2                            number of entries
 *   orders 0 ZWxQ4D…uA 1234      topic, partition, topic id, offset
 *   orders 1 ZWxQ4D…uA 998
 * </pre>
 *
 * Version 0 files (Kafka's, without topic ids) are read too.
 */
final class OffsetCheckpoint {
    private static final Logger log = LoggerFactory.getLogger(OffsetCheckpoint.class);

    /** One partition's checkpointed offset, and the id of the topic it was written for (null in version 0). */
    record Entry(String topicId, long offset) {
    }

    private final Path file;

    OffsetCheckpoint(Path file) {
        this.file = file;
    }

    void write(Map<TopicPartition, Entry> offsets) {
        StringBuilder text = new StringBuilder();
        text.append("1\n").append(offsets.size()).append('\n');
        offsets.entrySet().stream().sorted(Map.Entry.comparingByKey(Comparator.naturalOrder())).forEach(e ->
                text.append(e.getKey().topic()).append(' ').append(e.getKey().partition()).append(' ')
                        .append(e.getValue().topicId()).append(' ').append(e.getValue().offset()).append('\n'));
        LogFiles.writeAtomically(file, text.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** The entries, or an empty map if the file is missing; a malformed file is reported and ignored. */
    Map<TopicPartition, Entry> read() {
        Map<TopicPartition, Entry> offsets = new HashMap<>();
        if (!Files.exists(file)) {
            return offsets;
        }
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            if (lines.size() < 2) {
                throw new IllegalArgumentException("missing header");
            }
            int version = Integer.parseInt(lines.get(0).trim());
            if (version != 0 && version != 1) {
                throw new IllegalArgumentException("unknown version " + version);
            }
            int count = Integer.parseInt(lines.get(1).trim());
            if (lines.size() < 2 + count) {
                throw new IllegalArgumentException("expected " + count + " entries, found " + (lines.size() - 2));
            }
            for (int i = 0; i < count; i++) {
                String[] parts = lines.get(2 + i).trim().split(" ");
                if (parts.length != (version == 0 ? 3 : 4)) {
                    throw new IllegalArgumentException("malformed line " + (3 + i));
                }
                TopicPartition tp = new TopicPartition(parts[0], Integer.parseInt(parts[1]));
                offsets.put(tp, version == 0 ? new Entry(null, Long.parseLong(parts[2]))
                        : new Entry(parts[2], Long.parseLong(parts[3])));
            }
            return offsets;
        } catch (IOException e) {
            throw new StorageException("Cannot read checkpoint: file=" + file, e);
        } catch (RuntimeException e) {
            log.warn("Ignoring malformed checkpoint, logs will be recovered from their start: file={}, reason={}",
                    file, e.getMessage());
            return new HashMap<>();
        }
    }

    /** The offset checkpointed for this partition of this topic, or {@code otherwise}. */
    static long offsetFor(Map<TopicPartition, Entry> entries, TopicPartition tp, String topicId, long otherwise) {
        Entry entry = entries.get(tp);
        if (entry == null || (entry.topicId() != null && !entry.topicId().equals(topicId))) {
            return otherwise;
        }
        return entry.offset();
    }
}
