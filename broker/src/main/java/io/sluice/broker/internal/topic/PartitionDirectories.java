package io.sluice.broker.internal.topic;

import io.sluice.broker.StorageException;
import io.sluice.broker.TopicPartition;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The partition directories of a data directory — {@code topic-partition}, each with a partition.metadata naming
 * its topic's id — and the rules for ones that belong to no recorded partition:
 *
 * <pre>
 *   partition.metadata      version: 0
 *                           topic_id: &lt;the topic's id, base64&gt;
 * </pre>
 *
 * A directory is moved aside (renamed {@code ….<uuid>-delete}, deleted in the background, and at the next start if
 * it is still there) rather than deleted in place, so that a crash never leaves half a directory under a live name.
 * Called by the registry's changes, which it serializes.
 */
final class PartitionDirectories {
    private static final Logger log = LoggerFactory.getLogger(PartitionDirectories.class);
    static final String PARTITION_METADATA = "partition.metadata";
    static final String DELETE_SUFFIX = "-delete";

    private final Path dataDir;
    private final ScheduledExecutorService background;

    PartitionDirectories(Path dataDir, ScheduledExecutorService background) {
        this.dataDir = dataDir;
        this.background = background;
    }

    Path of(TopicPartition tp) {
        return dataDir.resolve(tp.topic() + "-" + tp.partition());
    }

    /**
     * Makes an empty directory for a new partition, with partition.metadata naming its topic, and adds it to
     * {@code made}. One already there — left by a change that was never recorded, or by an earlier topic of the same
     * name — is moved aside, unless it is empty or holds only this topic's partition.metadata. A file in the way
     * fails the change.
     *
     * <p>partition.metadata is renamed into place but not fsynced: two fsyncs a partition made creating thousands
     * take minutes on a busy disk. The directories' names are made durable with topics.json, which fsyncs the data
     * directory; a partition.metadata lost in a crash names no topic, and a recorded partition's directory that
     * names none is taken as its own ({@link #moveAsideIfForeign}).
     */
    void claimNew(Path dir, String topicId, List<Path> made) {
        Path file = dir.resolve(PARTITION_METADATA);
        Path tmp = dir.resolve(PARTITION_METADATA + ".tmp");
        try {
            if (Files.isDirectory(dir) && !isEmptyOrOnlyNames(dir, topicId)) {
                log.warn("Moving aside a directory of no recorded partition: dir={}", dir);
                moveAside(dir);
            }
            Files.createDirectories(dir);
            made.add(dir);
            Files.write(tmp, ("version: 0\ntopic_id: " + topicId + "\n").getBytes(StandardCharsets.UTF_8));
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new StorageException("Cannot prepare partition directory: dir=" + dir, e);
        }
    }

    private static boolean isEmptyOrOnlyNames(Path dir, String topicId) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.toList()) {
                if (!file.getFileName().toString().equals(PARTITION_METADATA) || !topicId.equals(readTopicId(file))) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * Moves aside a recorded partition's directory that names another topic (an earlier one of the same name). One
     * that names none is this partition's: made by its first append after a start that found it missing, or its
     * partition.metadata lost in a crash.
     */
    void moveAsideIfForeign(Path dir, String topicId) {
        Path file = dir.resolve(PARTITION_METADATA);
        try {
            String named = Files.exists(file) ? readTopicId(file) : null;
            if (named != null && !named.equals(topicId)) {
                log.warn("Moving aside a directory of an earlier topic with the same name: dir={}", dir);
                moveAside(dir);
            }
        } catch (IOException e) {
            throw new StorageException("Cannot check partition directory: dir=" + dir, e);
        }
    }

    /** The topic id partition.metadata names, or null if it names none (empty, or cut short by a crash). */
    private static String readTopicId(Path file) throws IOException {
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.startsWith("topic_id:")) {
                String id = line.substring("topic_id:".length()).trim();
                try {
                    Uuid.fromString(id);
                    return id;
                } catch (IllegalArgumentException e) {
                    return null;
                }
            }
        }
        return null;
    }

    /** Renames a directory with the deletion suffix and deletes it in the background. */
    void moveAside(Path dir) throws IOException {
        Path aside = dir.resolveSibling(dir.getFileName() + "." + Uuid.randomUuid() + DELETE_SUFFIX);
        Files.move(dir, aside);
        scheduleDeletion(aside, 0);
    }

    /**
     * Moves aside every directory {@code topic-N} of a topic that is being deleted, whatever N: its record may name
     * more partitions than there are directories. Returns how many.
     */
    int moveAsideAllOf(String topic) {
        int moved = 0;
        try (Stream<Path> listing = Files.list(dataDir)) {
            for (Path dir : listing.filter(Files::isDirectory).toList()) {
                String name = dir.getFileName().toString();
                if (name.startsWith(topic + "-") && partitionNumber(name.substring(topic.length() + 1)) >= 0) {
                    moveAside(dir);
                    moved++;
                }
            }
        } catch (IOException e) {
            log.warn("Cannot remove a deleted topic's directories: topic={}, dir={}", topic, dataDir, e);
        }
        return moved;
    }

    /** Deletes the directories moved aside before the last stop. */
    void removeMovedAside() {
        try (Stream<Path> listing = Files.list(dataDir)) {
            for (Path dir : listing.filter(p -> p.getFileName().toString().endsWith(DELETE_SUFFIX)).toList()) {
                deleteRecursively(dir);
            }
        } catch (IOException e) {
            throw new StorageException("Cannot list data directory: dir=" + dataDir, e);
        }
    }

    /**
     * Warns about each directory that is no {@code topic-partition} of a recorded partition ({@code recorded} tells
     * for a topic and partition): left by a change that was never recorded, it is ignored.
     */
    void warnAboutStray(java.util.function.BiPredicate<String, Integer> recorded) {
        Predicate<String> known = dirName -> {
            int dash = dirName.lastIndexOf('-');
            int partition = dash < 0 ? -1 : partitionNumber(dirName.substring(dash + 1));
            return partition >= 0 && recorded.test(dirName.substring(0, dash), partition);
        };
        try (Stream<Path> listing = Files.list(dataDir)) {
            for (Path dir : listing.filter(Files::isDirectory).toList()) {
                if (!known.test(dir.getFileName().toString())) {
                    log.warn("Ignoring a directory that belongs to no topic: dir={}", dir);
                }
            }
        } catch (IOException e) {
            throw new StorageException("Cannot list data directory: dir=" + dataDir, e);
        }
    }

    /** The partition number a directory name ends with, or -1 if it is not one. */
    private static int partitionNumber(String suffix) {
        if (suffix.isEmpty() || suffix.length() > 10 || !suffix.chars().allMatch(Character::isDigit)) {
            return -1;
        }
        long p = Long.parseLong(suffix);
        return p <= Integer.MAX_VALUE && Long.toString(p).equals(suffix) ? (int) p : -1;
    }

    void scheduleDeletion(Path dir, long delayMs) {
        background.schedule(() -> deleteRecursively(dir), delayMs, TimeUnit.MILLISECONDS);
    }

    static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            log.warn("Cannot delete directory: dir={}", dir, e);
        }
    }
}
