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
 * Lookups are lock-free; changes (create, delete, alter, add partitions) are serialized. A change is recorded in
 * topics.json only once every partition it adds has its directory and an open log, and undone if that fails: a
 * crash in between leaves directories of no recorded partition, which are ignored at start and moved aside by a
 * later create. A recorded topic that cannot be opened at start (over the partition limits, or a log that fails to
 * open) is kept unavailable: its files stay as they are, its uses fail with the reason, and it can be deleted.
 */
public final class TopicRegistry implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TopicRegistry.class);
    static final String CLEAN_SHUTDOWN = ".clean-shutdown";
    static final String LOCK = ".lock";

    private final BrokerConfig config;
    private final Path dataDir;
    private final ScheduledExecutorService background;
    private final LongSupplier clock;
    private final MetadataStore metadata;
    private final OffsetCheckpoint recoveryPoints;
    private final OffsetCheckpoint logStartOffsets;
    private final List<JournalShard> shards = new ArrayList<>();
    private final Map<String, Topic> topics = new ConcurrentHashMap<>();
    private final Map<String, UnavailableTopic> unavailable = new ConcurrentHashMap<>();
    private final PartitionLimits limits;
    private final PartitionDirectories directories;
    private final List<Runnable> changeListeners = new CopyOnWriteArrayList<>();
    private final FileChannel lockChannel;
    private final FileLock lock;
    /** Every partition opened while loading, so that a failed open can close them all. */
    private final List<Partition> openedDuringLoad = new ArrayList<>();
    /** Deleted topics' logs waiting to be closed and removed; run at once on close. */
    private final Set<Runnable> pendingDeletions = ConcurrentHashMap.newKeySet();
    /** The checkpoints read at start, of which the unavailable topics' are written back unchanged. */
    private Map<TopicPartition, OffsetCheckpoint.Entry> loadedRecoveryPoints = Map.of();
    private Map<TopicPartition, OffsetCheckpoint.Entry> loadedLogStarts = Map.of();
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
        this.limits = PartitionLimits.of(config);
        this.directories = new PartitionDirectories(dataDir, background);
    }

    /**
     * Locks the data directory, loads the topic metadata and opens (recovering as needed) every partition log; a
     * topic it cannot open is kept unavailable, unless it is one of the broker's own. The journal shards are created
     * but not started.
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
        directories.removeMovedAside();
        Map<TopicPartition, OffsetCheckpoint.Entry> recovery = recoveryPoints.read();
        Map<TopicPartition, OffsetCheckpoint.Entry> starts = logStartOffsets.read();
        loadedRecoveryPoints = recovery;
        loadedLogStarts = starts;
        long t0 = System.nanoTime();
        int partitions = 0;
        if (contents != null) {
            // The broker's own topics first: they are opened whatever the limits, and count towards them.
            List<TopicRecord> inOrder = new ArrayList<>(contents.topics());
            inOrder.sort(java.util.Comparator.comparing(r -> !r.internal()));
            for (TopicRecord record : inOrder) {
                Topic topic = loadTopic(record, recovery, starts, clean);
                if (topic != null) {
                    topics.put(record.name(), topic);
                    partitions += topic.partitionCount();
                }
            }
        }
        directories.warnAboutStray(this::isRecorded);
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

    /**
     * Opens a recorded topic's partitions (their logs open their files on first use), or keeps it unavailable and
     * returns null: over the limits, or a log that fails to open. The broker's own topics must open.
     */
    private Topic loadTopic(TopicRecord record, Map<TopicPartition, OffsetCheckpoint.Entry> recovery,
                            Map<TopicPartition, OffsetCheckpoint.Entry> starts, boolean clean) {
        Partition[] parts = new Partition[Math.max(0, record.partitions())];
        int opened = 0;
        LogConfig logConfig;
        try {
            if (record.partitions() < 1) {
                throw new StorageException("Invalid partition count recorded: topic=" + record.name()
                        + ", partitions=" + record.partitions() + ", file=" + MetadataStore.FILE_NAME);
            }
            if (!record.internal()) {
                limits.checkTopic(record.name(), record.partitions());
                limits.checkBroker(record.name(), record.partitions(), totalPartitions());
            }
            logConfig = LogConfig.of(config.topicDefaults(), record.configs());
            for (; opened < parts.length; opened++) {
                TopicPartition tp = new TopicPartition(record.name(), opened);
                parts[opened] = loadPartition(tp, record.id(), logConfig,
                        OffsetCheckpoint.offsetFor(recovery, tp, record.id(), 0L),
                        OffsetCheckpoint.offsetFor(starts, tp, record.id(), 0L), clean);
            }
        } catch (RuntimeException e) {
            for (int p = 0; p < opened; p++) {
                detach(parts[p]);
            }
            if (record.internal()) {
                throw e;
            }
            unavailable.put(record.name(), new UnavailableTopic(record, e));
            log.error("Topic not opened, it can be deleted: topic={}, partitions={}, reason={}", record.name(),
                    record.partitions(), e.getMessage());
            return null;
        }
        openedDuringLoad.addAll(List.of(parts));
        return new Topic(record.name(), record.id(), record.internal(), parts, record.configs(), logConfig);
    }

    private Partition loadPartition(TopicPartition tp, String topicId, LogConfig logConfig, long recoveryPoint,
                                    long logStartOffset, boolean clean) {
        Path dir = directories.of(tp);
        if (Files.isDirectory(dir)) {
            directories.moveAsideIfForeign(dir, topicId);
        }
        return attach(tp, PartitionLog.open(dir, tp, logConfig, recoveryPoint, logStartOffset, clean, background,
                clock));
    }

    /** Gives a partition's log to a journal shard. */
    private Partition attach(TopicPartition tp, PartitionLog partitionLog) {
        JournalShard shard = shards.get(Math.floorMod(nextShard++, shards.size()));
        PartitionWriter writer = shard.addPartition(partitionLog);
        return new Partition(tp, writer);
    }

    /** Takes a partition that never served from its shard and closes its log. */
    private static void detach(Partition partition) {
        partition.shard().removePartition(partition.writer());
        partition.log().closeQuietly();
    }

    /** New partitions' logs, open, and the directories made for them: what to undo if the change fails. */
    private record NewLogs(List<PartitionLog> logs, List<Path> dirs) {
    }

    /**
     * Makes the directories of partitions {@code from} to {@code to} (exclusive) of a topic and opens their (empty)
     * logs; on a failure, undoes all of it and throws.
     */
    private NewLogs openNewLogs(String topic, String topicId, LogConfig logConfig, int from, int to) {
        NewLogs opened = new NewLogs(new ArrayList<>(), new ArrayList<>());
        try {
            for (int p = from; p < to; p++) {
                TopicPartition tp = new TopicPartition(topic, p);
                Path dir = directories.of(tp);
                directories.claimNew(dir, topicId, opened.dirs());
                opened.logs().add(PartitionLog.open(dir, tp, logConfig, 0, 0, true, background, clock));
            }
            return opened;
        } catch (RuntimeException e) {
            discard(opened);
            throw e;
        }
    }

    /** Writes topics.json; if that fails, the new partitions are undone. */
    private void recordOrDiscard(List<TopicRecord> records, NewLogs opened) {
        try {
            metadata.write(clusterId, records);
        } catch (RuntimeException e) {
            discard(opened);
            throw e;
        }
    }

    /** Closes new partitions' logs and removes their directories: the change that made them did not happen. */
    private static void discard(NewLogs opened) {
        for (PartitionLog partitionLog : opened.logs()) {
            partitionLog.closeQuietly();
        }
        for (Path dir : opened.dirs()) {
            PartitionDirectories.deleteRecursively(dir);
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

    /** The topic; or UnknownTopicException, or why a recorded topic is unavailable (it can only be deleted). */
    public Topic topicOrThrow(String name) {
        Topic topic = topics.get(name);
        if (topic == null) {
            UnavailableTopic other = unavailable.get(name);
            throw other != null ? other.error() : new UnknownTopicException(name);
        }
        return topic;
    }

    /** Whether the topic is recorded but was not opened at start; it can be deleted. */
    public boolean isUnavailable(String name) {
        return unavailable.containsKey(name);
    }

    /** The names of the topics recorded but not opened at start. */
    public Set<String> unavailableTopics() {
        return Set.copyOf(unavailable.keySet());
    }

    /** The name of the unavailable topic with this id, or null. */
    public String unavailableTopicWithId(String id) {
        for (UnavailableTopic other : unavailable.values()) {
            if (other.record().id().equals(id)) {
                return other.record().name();
            }
        }
        return null;
    }

    /** The limits on new partitions, for checking a whole request before any of it is made. */
    public PartitionLimits limits() {
        return limits;
    }

    /** The partitions of every open topic. */
    public int totalPartitions() {
        int total = 0;
        for (Topic topic : topics.values()) {
            total += topic.partitionCount();
        }
        return total;
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
        if (topics.containsKey(name) || unavailable.containsKey(name)) {
            throw new TopicExistsException(name);
        }
        for (String existing : allTopicNames()) {
            if (TopicNames.collisionKey(existing).equals(TopicNames.collisionKey(name))) {
                throw new InvalidTopicException("Topic name collides with an existing topic: topic=" + name
                        + ", existing=" + existing + " ('.' and '_' collide)");
            }
        }
        Map<String, String> overrides = stringValues(configs);
        LogConfig logConfig = LogConfig.of(config.topicDefaults(), overrides);
        limits.check(name, partitionCount, partitionCount, totalPartitions());
        String id = Uuid.randomUuid().toString();
        NewLogs opened = openNewLogs(name, id, logConfig, 0, partitionCount);
        List<TopicRecord> records = records();
        records.add(new TopicRecord(name, id, partitionCount, internal, overrides));
        records.sort(java.util.Comparator.comparing(TopicRecord::name));
        recordOrDiscard(records, opened);
        Partition[] partitions = new Partition[partitionCount];
        for (int p = 0; p < partitionCount; p++) {
            partitions[p] = attach(new TopicPartition(name, p), opened.logs().get(p));
        }
        Topic topic = new Topic(name, id, internal, partitions, overrides, logConfig);
        topics.put(name, topic);
        log.info("Created topic: topic={}, partitions={}, configs={}", name, partitionCount, overrides);
        notifyChange();
        return topic;
    }

    /**
     * Deletes a topic: new sends fail at once, its logs are closed and removed in the background. A topic that is
     * unavailable (not opened at start) is deleted too: its record goes and its directories are removed.
     */
    public synchronized void deleteTopic(String name) {
        ensureOpen();
        if (unavailable.containsKey(name)) {
            deleteUnavailable(name);
            return;
        }
        Topic topic = topicOrThrow(name);
        List<TopicRecord> remaining = records();
        remaining.removeIf(r -> r.name().equals(name));
        metadata.write(clusterId, remaining);
        topics.remove(name);
        topic.markDeleted();
        for (Partition partition : topic.partitions()) {
            partition.shard().removePartition(partition.writer());
        }
        long delay = topic.config().fileDeleteDelayMs();
        for (Partition partition : topic.partitions()) {
            Path dir = partition.log().dir();
            Path aside = dir.resolveSibling(dir.getFileName() + "." + topic.id()
                    + PartitionDirectories.DELETE_SUFFIX);
            try {
                if (Files.exists(dir)) {
                    Files.move(dir, aside);
                }
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
                        PartitionDirectories.deleteRecursively(toDelete);
                    }
                }
            };
            pendingDeletions.add(deletion);
            background.schedule(deletion, delay, TimeUnit.MILLISECONDS);
        }
        log.info("Deleted topic: topic={}", name);
        notifyChange();
    }

    /** Removes an unavailable topic's record, then moves its partitions' directories aside to be deleted. */
    private void deleteUnavailable(String name) {
        List<TopicRecord> remaining = records();
        remaining.removeIf(r -> r.name().equals(name));
        metadata.write(clusterId, remaining);
        unavailable.remove(name);
        int moved = directories.moveAsideAllOf(name);
        log.info("Deleted unavailable topic: topic={}, directories={}", name, moved);
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
        limits.check(name, totalCount, totalCount - current, totalPartitions());
        NewLogs opened = openNewLogs(name, topic.id(), topic.config(), current, totalCount);
        List<TopicRecord> records = new ArrayList<>();
        for (TopicRecord r : records()) {
            records.add(r.name().equals(name)
                    ? new TopicRecord(r.name(), r.id(), totalCount, r.internal(), r.configs()) : r);
        }
        recordOrDiscard(records, opened);
        Partition[] grown = java.util.Arrays.copyOf(topic.partitions().toArray(new Partition[0]), totalCount);
        for (int p = current; p < totalCount; p++) {
            grown[p] = attach(new TopicPartition(name, p), opened.logs().get(p - current));
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

    /** What topics.json holds: the open topics and, as they were recorded, the unavailable ones. */
    private List<TopicRecord> records() {
        List<TopicRecord> records = new ArrayList<>();
        for (Topic t : topics.values()) {
            records.add(new TopicRecord(t.name(), t.id(), t.partitionCount(), t.internal(), t.overrides()));
        }
        for (UnavailableTopic other : unavailable.values()) {
            records.add(other.record());
        }
        records.sort(java.util.Comparator.comparing(TopicRecord::name));
        return records;
    }

    /** Whether the partition is recorded in topics.json, its topic open or not. */
    private boolean isRecorded(String topic, int partition) {
        Topic open = topics.get(topic);
        UnavailableTopic other = unavailable.get(topic);
        return (open != null && partition < open.partitionCount())
                || (other != null && partition < other.record().partitions());
    }

    private Set<String> allTopicNames() {
        Set<String> names = new java.util.HashSet<>(topics.keySet());
        names.addAll(unavailable.keySet());
        return names;
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
        keepUnavailable(loadedRecoveryPoints, recovery);
        keepUnavailable(loadedLogStarts, starts);
        recoveryPoints.write(recovery);
        logStartOffsets.write(starts);
    }

    /** An unavailable topic's checkpoints stay as they were, for the start that opens it again. */
    private void keepUnavailable(Map<TopicPartition, OffsetCheckpoint.Entry> loaded,
                                 Map<TopicPartition, OffsetCheckpoint.Entry> checkpoints) {
        loaded.forEach((tp, entry) -> {
            if (unavailable.containsKey(tp.topic())) {
                checkpoints.put(tp, entry);
            }
        });
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
