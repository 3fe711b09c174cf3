package io.sluice.broker.internal.topic;

import io.sluice.broker.BrokerConfig;
import io.sluice.broker.InvalidConfigException;
import io.sluice.broker.InvalidPartitionException;
import io.sluice.broker.InvalidTopicException;
import io.sluice.broker.StorageException;
import io.sluice.broker.TopicExistsException;
import io.sluice.broker.TopicPartition;
import io.sluice.broker.UnknownTopicException;
import io.sluice.broker.internal.ingest.JournalShard;
import io.sluice.broker.internal.ingest.PartitionWriter;
import io.sluice.broker.internal.log.LogConfig;
import io.sluice.broker.internal.log.LogFiles;
import io.sluice.broker.internal.log.PartitionLog;
import io.sluice.broker.internal.topic.MetadataStore.TopicRecord;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.stream.Stream;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The topics of a broker and their partitions, backed by the data directory:
 *
 * <pre>
 *   data/
 *     .lock                              held while a broker uses the directory
 *     topics.json                        topic metadata (MetadataStore)
 *     recovery-point-offset-checkpoint   per partition: everything below was fsynced
 *     log-start-offset-checkpoint        per partition: the first readable offset
 *     .clean-shutdown                    present only between a clean close and the next open
 *     orders-0/                          a partition log (PartitionLog) and partition.metadata (topic id)
 *     orders-0.Ab3x…-delete/             a deleted topic's log, removed in the background
 * </pre>
 *
 * Lookups are lock-free; changes (create, delete, alter, add partitions) are serialized.
 */
public final class TopicRegistry implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TopicRegistry.class);
    static final String CLEAN_SHUTDOWN = ".clean-shutdown";
    static final String LOCK = ".lock";
    static final String PARTITION_METADATA = "partition.metadata";
    private static final String DELETE_SUFFIX = "-delete";

    private final BrokerConfig config;
    private final Path dataDir;
    private final ScheduledExecutorService background;
    private final LongSupplier clock;
    private final MetadataStore metadata;
    private final OffsetCheckpoint recoveryPoints;
    private final OffsetCheckpoint logStartOffsets;
    private final List<JournalShard> shards = new ArrayList<>();
    private final Map<String, Topic> topics = new ConcurrentHashMap<>();
    private final List<Runnable> changeListeners = new CopyOnWriteArrayList<>();
    private final FileChannel lockChannel;
    private final FileLock lock;
    /** Every partition opened while loading, so that a failed open can close them all. */
    private final List<Partition> openedDuringLoad = new ArrayList<>();
    /** Deleted topics' logs waiting to be closed and removed; run at once on close. */
    private final Set<Runnable> pendingDeletions = ConcurrentHashMap.newKeySet();
    private String clusterId;
    private int nextShard;
    private volatile boolean closed;

    private TopicRegistry(BrokerConfig config, ScheduledExecutorService background, LongSupplier clock,
                          FileChannel lockChannel, FileLock lock) {
        this.config = config;
        this.dataDir = config.dataDir();
        this.background = background;
        this.clock = clock;
        this.metadata = new MetadataStore(dataDir);
        this.recoveryPoints = new OffsetCheckpoint(dataDir.resolve("recovery-point-offset-checkpoint"));
        this.logStartOffsets = new OffsetCheckpoint(dataDir.resolve("log-start-offset-checkpoint"));
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /**
     * Locks the data directory, loads the topic metadata and opens (recovering as needed) every partition log.
     * The journal shards are created but not started.
     */
    public static TopicRegistry open(BrokerConfig config, ScheduledExecutorService background, LongSupplier clock) {
        Path dataDir = config.dataDir();
        FileChannel channel = null;
        FileLock lock;
        try {
            Files.createDirectories(dataDir);
            channel = FileChannel.open(dataDir.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            lock = channel.tryLock();
            if (lock == null) {
                throw new StorageException("Data directory is in use by another broker: dir=" + dataDir);
            }
        } catch (OverlappingFileLockException e) {
            closeQuietly(channel);
            throw new StorageException("Data directory is in use by another broker in this process: dir="
                    + dataDir);
        } catch (IOException e) {
            closeQuietly(channel);
            throw new StorageException("Cannot open data directory: dir=" + dataDir, e);
        } catch (StorageException e) {
            closeQuietly(channel);
            throw e;
        }
        TopicRegistry registry = new TopicRegistry(config, background, clock, channel, lock);
        try {
            registry.load();
            return registry;
        } catch (RuntimeException e) {
            registry.closeAfterFailedOpen();
            throw e;
        }
    }

    private void load() {
        for (int i = 0; i < config.journalThreads(); i++) {
            shards.add(new JournalShard(i, config.journalRingSize(), config.journalWaitStrategy(), clock));
        }
        Path marker = dataDir.resolve(CLEAN_SHUTDOWN);
        boolean clean = Files.exists(marker);
        MetadataStore.Contents contents = metadata.read();
        clusterId = contents == null ? Uuid.randomUuid().toString() : contents.clusterId();
        if (contents == null) {
            metadata.write(clusterId, List.of());
            clean = true;
        }
        removeDeletedDirectories();
        Map<TopicPartition, OffsetCheckpoint.Entry> recovery = recoveryPoints.read();
        Map<TopicPartition, OffsetCheckpoint.Entry> starts = logStartOffsets.read();
        long t0 = System.nanoTime();
        int partitions = 0;
        if (contents != null) {
            for (TopicRecord record : contents.topics()) {
                LogConfig logConfig = LogConfig.of(config.topicDefaults(), record.configs());
                Partition[] parts = new Partition[record.partitions()];
                Topic topic = new Topic(record.name(), record.id(), record.internal(), parts, record.configs(),
                        logConfig);
                for (int p = 0; p < parts.length; p++) {
                    TopicPartition tp = new TopicPartition(record.name(), p);
                    parts[p] = openPartition(tp, record.id(), logConfig,
                            OffsetCheckpoint.offsetFor(recovery, tp, record.id(), 0L),
                            OffsetCheckpoint.offsetFor(starts, tp, record.id(), 0L), clean);
                    openedDuringLoad.add(parts[p]);
                }
                topics.put(record.name(), topic);
                partitions += parts.length;
            }
        }
        warnAboutStrayDirectories();
        try {
            Files.deleteIfExists(marker);
            LogFiles.fsyncDirectory(dataDir);
        } catch (IOException e) {
            throw new StorageException("Cannot remove clean-shutdown marker: file=" + marker, e);
        }
        openedDuringLoad.clear();
        log.info("Loaded data directory: dir={}, topics={}, partitions={}, cleanShutdown={}, loadMs={}", dataDir,
                topics.size(), partitions, clean, (System.nanoTime() - t0) / 1_000_000);
    }

    private Partition openPartition(TopicPartition tp, String topicId, LogConfig logConfig, long recoveryPoint,
                                    long logStartOffset, boolean clean) {
        Path dir = partitionDir(tp);
        claimDirectory(dir, topicId);
        PartitionLog partitionLog = PartitionLog.open(dir, tp, logConfig, recoveryPoint, logStartOffset, clean,
                background, clock);
        JournalShard shard = shards.get(Math.floorMod(nextShard++, shards.size()));
        PartitionWriter writer = shard.addPartition(partitionLog);
        return new Partition(tp, writer);
    }

    /** Writes partition.metadata; a directory left by an older topic of the same name is moved aside first. */
    private void claimDirectory(Path dir, String topicId) {
        Path file = dir.resolve(PARTITION_METADATA);
        try {
            if (Files.exists(file)) {
                String stored = readTopicId(file);
                if (topicId.equals(stored)) {
                    return;
                }
                Path aside = dir.resolveSibling(dir.getFileName() + "." + stored + DELETE_SUFFIX);
                log.warn("Moving aside a directory of an earlier topic with the same name: dir={}, topicId={}", dir,
                        stored);
                Files.move(dir, aside);
                scheduleDirectoryDeletion(aside, 0);
            }
            Files.createDirectories(dir);
            LogFiles.writeAtomically(file, ("version: 0\ntopic_id: " + topicId + "\n")
                    .getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new StorageException("Cannot prepare partition directory: dir=" + dir, e);
        }
    }

    private static String readTopicId(Path file) throws IOException {
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.startsWith("topic_id:")) {
                return line.substring("topic_id:".length()).trim();
            }
        }
        return "unknown";
    }

    private Path partitionDir(TopicPartition tp) {
        return dataDir.resolve(tp.topic() + "-" + tp.partition());
    }

    private void removeDeletedDirectories() {
        try (Stream<Path> listing = Files.list(dataDir)) {
            for (Path dir : listing.filter(p -> p.getFileName().toString().endsWith(DELETE_SUFFIX)).toList()) {
                deleteRecursively(dir);
            }
        } catch (IOException e) {
            throw new StorageException("Cannot list data directory: dir=" + dataDir, e);
        }
    }

    private void warnAboutStrayDirectories() {
        Set<String> known = new java.util.HashSet<>();
        for (Topic topic : topics.values()) {
            for (int p = 0; p < topic.partitionCount(); p++) {
                known.add(topic.name() + "-" + p);
            }
        }
        try (Stream<Path> listing = Files.list(dataDir)) {
            for (Path dir : listing.filter(Files::isDirectory).toList()) {
                if (!known.contains(dir.getFileName().toString())) {
                    log.warn("Ignoring a directory that belongs to no topic: dir={}", dir);
                }
            }
        } catch (IOException e) {
            throw new StorageException("Cannot list data directory: dir=" + dataDir, e);
        }
    }

    /** Starts the journal threads. */
    public void start() {
        for (JournalShard shard : shards) {
            shard.start();
        }
    }

    public String clusterId() {
        return clusterId;
    }

    public List<JournalShard> shards() {
        return List.copyOf(shards);
    }

    /** Runs after every topic change (created, deleted, partitions added). */
    public void addChangeListener(Runnable listener) {
        changeListeners.add(listener);
    }

    // ---------------------------------------------------------------------------------------------- lookups

    /** The topic, or null. */
    public Topic topic(String name) {
        return topics.get(name);
    }

    public Topic topicOrThrow(String name) {
        Topic topic = topics.get(name);
        if (topic == null) {
            throw new UnknownTopicException(name);
        }
        return topic;
    }

    public Partition partition(TopicPartition tp) {
        return topicOrThrow(tp.topic()).partition(tp.partition());
    }

    public Collection<Topic> topics() {
        return topics.values();
    }

    // ---------------------------------------------------------------------------------------------- changes

    /** Creates a topic with validated name, partition count and config overrides. */
    public synchronized Topic createTopic(String name, int partitionCount, Map<String, String> configs,
                                          boolean internal) {
        ensureOpen();
        TopicNames.validate(name);
        if (partitionCount < 1) {
            throw new InvalidPartitionException("Invalid partition count: topic=" + name + ", partitions="
                    + partitionCount + " (must be at least 1)");
        }
        if (topics.containsKey(name)) {
            throw new TopicExistsException(name);
        }
        for (String existing : topics.keySet()) {
            if (TopicNames.collisionKey(existing).equals(TopicNames.collisionKey(name))) {
                throw new InvalidTopicException("Topic name collides with an existing topic: topic=" + name
                        + ", existing=" + existing + " ('.' and '_' collide)");
            }
        }
        Map<String, String> overrides = stringValues(configs);
        LogConfig logConfig = LogConfig.of(config.topicDefaults(), overrides);
        String id = Uuid.randomUuid().toString();
        Topic topic = new Topic(name, id, internal, new Partition[0], overrides, logConfig);
        List<TopicRecord> records = records();
        records.add(new TopicRecord(name, id, partitionCount, internal, overrides));
        metadata.write(clusterId, records);
        Partition[] partitions = new Partition[partitionCount];
        for (int p = 0; p < partitionCount; p++) {
            partitions[p] = openPartition(new TopicPartition(name, p), id, logConfig, 0, 0, true);
        }
        topic.setPartitions(partitions);
        topics.put(name, topic);
        log.info("Created topic: topic={}, partitions={}, configs={}", name, partitionCount, overrides);
        notifyChange();
        return topic;
    }

    /** Deletes a topic: new sends fail at once, its logs are closed and removed in the background. */
    public synchronized void deleteTopic(String name) {
        ensureOpen();
        Topic topic = topicOrThrow(name);
        topics.remove(name);
        topic.markDeleted();
        for (Partition partition : topic.partitions()) {
            partition.shard().removePartition(partition.writer());
        }
        metadata.write(clusterId, records());
        long delay = topic.config().fileDeleteDelayMs();
        for (Partition partition : topic.partitions()) {
            Path dir = partition.log().dir();
            Path aside = dir.resolveSibling(dir.getFileName() + "." + topic.id() + DELETE_SUFFIX);
            try {
                Files.move(dir, aside);
            } catch (IOException e) {
                log.warn("Cannot rename deleted partition directory: dir={}", dir, e);
                aside = dir;
            }
            PartitionLog partitionLog = partition.log();
            Path toDelete = aside;
            Runnable deletion = new Runnable() {
                @Override
                public void run() {
                    if (pendingDeletions.remove(this)) {
                        partitionLog.closeQuietly();
                        deleteRecursively(toDelete);
                    }
                }
            };
            pendingDeletions.add(deletion);
            background.schedule(deletion, delay, TimeUnit.MILLISECONDS);
        }
        log.info("Deleted topic: topic={}", name);
        notifyChange();
    }

    /** Sets and removes topic config overrides; the new values apply to the next append, roll and check. */
    public synchronized void alterConfigs(String name, Map<String, String> set, Set<String> remove) {
        ensureOpen();
        Topic topic = topicOrThrow(name);
        Map<String, String> overrides = new LinkedHashMap<>(topic.overrides());
        for (String key : remove) {
            LogConfig.DEFINITION.key(key); // unknown keys fail
            overrides.remove(key);
        }
        overrides.putAll(stringValues(set));
        LogConfig logConfig = LogConfig.of(config.topicDefaults(), overrides);
        topic.setConfig(overrides, logConfig);
        metadata.write(clusterId, records());
        for (Partition partition : topic.partitions()) {
            partition.log().updateConfig(logConfig);
        }
        log.info("Altered topic config: topic={}, configs={}", name, overrides);
    }

    /** Grows a topic to {@code totalCount} partitions. */
    public synchronized void addPartitions(String name, int totalCount) {
        ensureOpen();
        Topic topic = topicOrThrow(name);
        int current = topic.partitionCount();
        if (totalCount <= current) {
            throw new InvalidPartitionException("Partition count can only grow: topic=" + name + ", partitions="
                    + current + ", requested=" + totalCount);
        }
        Partition[] grown = java.util.Arrays.copyOf(topic.partitions().toArray(new Partition[0]), totalCount);
        List<TopicRecord> records = new ArrayList<>();
        for (TopicRecord r : records()) {
            records.add(r.name().equals(name)
                    ? new TopicRecord(r.name(), r.id(), totalCount, r.internal(), r.configs()) : r);
        }
        metadata.write(clusterId, records);
        for (int p = current; p < totalCount; p++) {
            grown[p] = openPartition(new TopicPartition(name, p), topic.id(), topic.config(), 0, 0, true);
        }
        topic.setPartitions(grown);
        log.info("Added partitions: topic={}, partitions={} -> {}", name, current, totalCount);
        notifyChange();
    }

    private static Map<String, String> stringValues(Map<String, ?> configs) {
        Map<String, String> values = new LinkedHashMap<>();
        for (Map.Entry<String, ?> e : configs.entrySet()) {
            if (!LogConfig.DEFINITION.contains(e.getKey())) {
                LogConfig.DEFINITION.key(e.getKey()); // throws, naming the nearest key
            }
            if (e.getValue() == null) {
                throw new InvalidConfigException("Invalid topic config: key=" + e.getKey() + ", value=null");
            }
            values.put(e.getKey(), io.sluice.broker.config.ConfigDefinition.format(
                    LogConfig.DEFINITION.parseOne(e.getKey(), e.getValue())));
        }
        return values;
    }

    private List<TopicRecord> records() {
        List<TopicRecord> records = new ArrayList<>();
        for (Topic t : topics.values()) {
            records.add(new TopicRecord(t.name(), t.id(), t.partitionCount(), t.internal(), t.overrides()));
        }
        records.sort(java.util.Comparator.comparing(TopicRecord::name));
        return records;
    }

    private void notifyChange() {
        for (Runnable listener : changeListeners) {
            try {
                listener.run();
            } catch (RuntimeException e) {
                log.warn("Topic change listener failed", e);
            }
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new io.sluice.broker.ClosedException("broker");
        }
    }

    /** As a DeleteRecords offset: everything readers may see now. */
    public static final long HIGH_WATERMARK = -1;

    /**
     * Deletes each partition's records below its offset (or {@link #HIGH_WATERMARK}) on the partition's journal
     * thread, then checkpoints the new log starts so that a restart keeps them. Each future gives the partition's
     * new log start, or fails: unknown topic or partition, an offset past the high watermark, or a topic without
     * the delete cleanup policy (compacted or internal), whose records only the log cleaner removes.
     */
    public Map<TopicPartition, CompletableFuture<Long>> deleteRecords(Map<TopicPartition, Long> beforeOffsets) {
        Map<TopicPartition, CompletableFuture<Long>> deleted = new LinkedHashMap<>();
        beforeOffsets.forEach((tp, offset) -> deleted.put(tp, deleteRecords(tp, offset)));
        CompletableFuture<Void> checkpointed = CompletableFuture
                .allOf(deleted.values().toArray(CompletableFuture[]::new))
                .handle((ignored, error) -> null)
                .thenRunAsync(this::writeCheckpoints, background);
        Map<TopicPartition, CompletableFuture<Long>> result = new LinkedHashMap<>();
        deleted.forEach((tp, f) -> result.put(tp, checkpointed.thenCompose(ignored -> f)));
        return result;
    }

    private CompletableFuture<Long> deleteRecords(TopicPartition tp, long before) {
        try {
            Partition partition = checkDeleteRecords(tp, before);
            PartitionLog partitionLog = partition.log();
            return partition.shard().submit(() -> partitionLog.deleteRecordsBefore(before == HIGH_WATERMARK
                    ? partitionLog.highWatermark() : before));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Throws what {@link #deleteRecords} would fail that partition with, without deleting anything; the partition
     * otherwise (the high watermark only grows, so an offset that passes stays valid).
     */
    public Partition checkDeleteRecords(TopicPartition tp, long before) {
        Topic topic = topicOrThrow(tp.topic());
        if (topic.internal() || !topic.config().delete()) {
            throw new InvalidTopicException("Records are removed from a compacted or internal topic by the log "
                    + "cleaner only: topic=" + topic.name());
        }
        Partition partition = topic.partition(tp.partition());
        long hw = partition.log().highWatermark();
        if (before != HIGH_WATERMARK && (before < 0 || before > hw)) {
            throw new io.sluice.broker.OffsetOutOfRangeException(tp, before, partition.log().logStartOffset(), hw);
        }
        return partition;
    }

    // ---------------------------------------------------------------------------------------------- durability

    /** Writes the recovery points and log start offsets of every partition. */
    public synchronized void writeCheckpoints() {
        Map<TopicPartition, OffsetCheckpoint.Entry> recovery = new HashMap<>();
        Map<TopicPartition, OffsetCheckpoint.Entry> starts = new HashMap<>();
        for (Topic topic : topics.values()) {
            for (Partition partition : topic.partitions()) {
                recovery.put(partition.topicPartition(),
                        new OffsetCheckpoint.Entry(topic.id(), partition.log().recoveryPoint()));
                starts.put(partition.topicPartition(),
                        new OffsetCheckpoint.Entry(topic.id(), partition.log().logStartOffset()));
            }
        }
        recoveryPoints.write(recovery);
        logStartOffsets.write(starts);
    }

    private void scheduleDirectoryDeletion(Path dir, long delayMs) {
        background.schedule(() -> deleteRecursively(dir), delayMs, TimeUnit.MILLISECONDS);
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            log.warn("Cannot delete directory: dir={}", dir, e);
        }
    }

    /**
     * Drains the journals (everything published is written and acknowledged), closes every log (fsync), writes the
     * checkpoints and the clean-shutdown marker, and releases the directory lock.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (JournalShard shard : shards) {
            shard.close();
        }
        for (Runnable deletion : List.copyOf(pendingDeletions)) {
            deletion.run();
        }
        boolean allClosed = true;
        for (Topic topic : topics.values()) {
            for (Partition partition : topic.partitions()) {
                try {
                    partition.log().close();
                } catch (RuntimeException e) {
                    allClosed = false;
                    log.error("Cannot close log: partition={}", partition.topicPartition(), e);
                }
            }
        }
        try {
            writeCheckpoints();
            if (allClosed) {
                LogFiles.writeAtomically(dataDir.resolve(CLEAN_SHUTDOWN), new byte[0]);
            }
        } finally {
            releaseLock();
        }
        log.info("Closed data directory: dir={}, cleanShutdown={}", dataDir, allClosed);
    }

    private void closeAfterFailedOpen() {
        closed = true;
        for (JournalShard shard : shards) {
            shard.close();
        }
        for (Partition partition : openedDuringLoad) {
            partition.log().closeQuietly();
        }
        releaseLock();
    }

    private void releaseLock() {
        try {
            lock.release();
        } catch (IOException e) {
            log.warn("Cannot release data directory lock: dir={}", dataDir, e);
        }
        closeQuietly(lockChannel);
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing left to release
            }
        }
    }
}
