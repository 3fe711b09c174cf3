package io.sluice.broker.internal.topic;

import io.sluice.broker.StorageException;
import io.sluice.broker.TopicPartition;
import io.sluice.broker.internal.log.LogFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A checkpoint file of one offset per partition, in Kafka's text format, written atomically:
 *
 * <pre>
 *   0                 version
 *   2                 number of entries
 *   orders 0 1234     topic, partition, offset
 *   orders 1 998
 * </pre>
 */
final class OffsetCheckpoint {
    private static final Logger log = LoggerFactory.getLogger(OffsetCheckpoint.class);
    private final Path file;

    OffsetCheckpoint(Path file) {
        this.file = file;
    }

    void write(Map<TopicPartition, Long> offsets) {
        StringBuilder text = new StringBuilder();
        text.append("0\n").append(offsets.size()).append('\n');
        for (Map.Entry<TopicPartition, Long> e : new TreeMap<>(offsets).entrySet()) {
            text.append(e.getKey().topic()).append(' ').append(e.getKey().partition()).append(' ')
                    .append(e.getValue()).append('\n');
        }
        LogFiles.writeAtomically(file, text.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** The offsets, or an empty map if the file is missing; a malformed file is reported and ignored. */
    Map<TopicPartition, Long> read() {
        Map<TopicPartition, Long> offsets = new HashMap<>();
        if (!Files.exists(file)) {
            return offsets;
        }
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            if (lines.size() < 2 || !lines.get(0).trim().equals("0")) {
                throw new IllegalArgumentException("unknown version or missing header");
            }
            int count = Integer.parseInt(lines.get(1).trim());
            if (lines.size() < 2 + count) {
                throw new IllegalArgumentException("expected " + count + " entries, found " + (lines.size() - 2));
            }
            for (int i = 0; i < count; i++) {
                String[] parts = lines.get(2 + i).trim().split(" ");
                if (parts.length != 3) {
                    throw new IllegalArgumentException("malformed line " + (3 + i));
                }
                offsets.put(new TopicPartition(parts[0], Integer.parseInt(parts[1])), Long.parseLong(parts[2]));
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
}
