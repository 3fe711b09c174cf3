package io.sluice.broker.internal.log;

import io.sluice.broker.ClosedException;
import io.sluice.broker.OffsetAndTimestamp;
import io.sluice.broker.OffsetOutOfRangeException;
import io.sluice.broker.StorageException;
import io.sluice.broker.TopicPartition;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.stream.Stream;
import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.record.FileRecords.TimestampAndOffset;
import org.apache.kafka.common.record.MemoryRecords;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable log of one topic-partition: an ordered run of {@link LogSegment}s in one directory.
 *
 * <p>Offsets: {@code logStartOffset} ≤ {@code highWatermark} ≤ {@code logEndOffset}. The log end is what has been
 * written; the high watermark is what readers may see — it trails the end while a write waits for its fsync, so
 * that no reader ever sees a record that a crash could take back.
 *
 * <p>Thread contract: a single writer — the journal thread that owns the partition — calls the mutating methods
 * ({@code append}, {@code publish}, {@code flush}, {@code roll}, {@code deleteOldSegments}, {@code replaceSegment},
 * {@code close}). Reads and offset lookups are safe from any thread. Segments that stop growing are fsynced on the
 * background executor, which must run tasks one at a time, in order.
 */
public final class PartitionLog implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(PartitionLog.class);

    /** A position in the log: an offset and where it falls in the segment files. */
    public record Position(long offset, long segmentBaseOffset, int filePosition) {
    }

    /**
     * What a read returns: whole batches (possibly none) and the log's bounds at the time of the read;
     * {@code endOffset} is the offset after the last record read when the read ended at the high watermark, or -1.
     */
    public record ReadResult(FileRecords records, int filePosition, long highWatermark, long logStartOffset,
                             long endOffset) {
        public boolean isEmpty() {
            return records == null || records.sizeInBytes() == 0;
        }
    }

    private final TopicPartition topicPartition;
    private final Path dir;
    private final ScheduledExecutorService background;
    private final LongSupplier clock;
    private final ConcurrentNavigableMap<Long, LogSegment> segments = new ConcurrentSkipListMap<>();
    private volatile LogConfig config;
    private volatile LogSegment active;
    private volatile Position logEnd;
    private volatile Position highWatermark;
    /**
     * The last high watermarks, each in the slot of its offset modulo the length: where a reader that has caught up
     * reads next. Its next read starts there without a look-up in the offset index and a scan of the batch headers
     * after it (a read of the file per batch). Entries are immutable; a stale or missing one only means the look-up.
     */
    private final Position[] recentEnds = new Position[64];
    private volatile long logStartOffset;
    private volatile long recoveryPoint;
    private final Object flushLock = new Object();
    /**
     * Guards the memory-mapped indexes and open files against unmapping under a user: reads, appends and flushes
     * hold the read lock; closing the log and deleting a removed segment's files take the write lock, so they wait
     * for the reads in progress, and later reads find the log closed.
     */
    private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
    /** Segments removed from the log whose files are not yet deleted (readers may still be in them). */
    private final Set<LogSegment> pendingDeletions = ConcurrentHashMap.newKeySet();
    private long unflushedRecords;
    private long firstUnflushedWriteMs = -1;
    /** Whether the directory exists: a log whose directory was missing when opened creates it on first append. */
    private boolean directoryExists;
    private volatile boolean closed;
    /**
     * The failure of an fsync since which what was written after the recovery point may not be on disk: Linux may
     * have dropped those pages from write-back, and a later fsync of the same file reports success all the same. The
     * recovery point stays put, and appends and fsyncs are refused, until {@link #repairAfterFlushFailure}.
     */
    private volatile StorageException flushFailure;

    private PartitionLog(TopicPartition topicPartition, Path dir, LogConfig config,
                         ScheduledExecutorService background, LongSupplier clock) {
        this.topicPartition = topicPartition;
        this.dir = dir;
        this.config = config;
        this.background = background;
        this.clock = clock;
    }

    /**
     * Opens the log in {@code dir} and recovers it: leftover files of interrupted compactions and deletions are
     * resolved; after an unclean shutdown every segment from the recovery point on is validated (CRC, sizes,
     * offsets), truncated after its last good batch and re-indexed; after a clean one the unindexed tail of the last
     * segment is validated; any segment whose indexes are missing or inconsistent is re-indexed. When it returns, no
     * file of the log is open: segments open their files on first use. A missing directory is an empty log, made by
     * its first append.
     *
     * @param recoveryPoint  the checkpointed offset below which everything was fsynced
     * @param logStartOffset the checkpointed first readable offset
     * @param background     runs delayed file deletion and the fsync of segments that stopped growing
     * @param clock          milliseconds since the epoch
     */
    public static PartitionLog open(Path dir, TopicPartition topicPartition, LogConfig config, long recoveryPoint,
                                    long logStartOffset, boolean hadCleanShutdown,
                                    ScheduledExecutorService background, LongSupplier clock) {
        PartitionLog partitionLog = new PartitionLog(topicPartition, dir, config, background, clock);
        try {
            partitionLog.load(recoveryPoint, logStartOffset, hadCleanShutdown);
            return partitionLog;
        } catch (IOException | RuntimeException e) {
            partitionLog.closeSegments();
            if (e instanceof StorageException se) {
                throw se;
            }
            throw new StorageException("Cannot open log: partition=" + topicPartition + ", dir=" + dir, e);
        }
    }

    private void load(long checkpointedRecoveryPoint, long checkpointedStart, boolean hadCleanShutdown)
            throws IOException {
        List<Long> baseOffsets = resolveLeftoverFiles();
        long now = clock.getAsLong();
        for (int i = 0; i < baseOffsets.size(); i++) {
            boolean last = i == baseOffsets.size() - 1;
            long base = baseOffsets.get(i);
            segments.put(base, LogSegment.open(dir, base, config, last, now));
        }
        if (segments.isEmpty()) {
            long base = Math.max(0, checkpointedStart);
            segments.put(base, LogSegment.create(dir, base, config, now));
        }
        active = segments.lastEntry().getValue();

        long nextOffset = hadCleanShutdown
                ? loadAfterCleanShutdown()
                : recoverAfterCrash(checkpointedRecoveryPoint);
        Position end = new Position(nextOffset, active.baseOffset, active.sizeInBytes());
        logEnd = end;
        highWatermark = end;
        remember(end);
        logStartOffset = Math.min(Math.max(checkpointedStart, segments.firstKey()), nextOffset);
        recoveryPoint = hadCleanShutdown ? Math.min(checkpointedRecoveryPoint, nextOffset) : nextOffset;
        if (!hadCleanShutdown) {
            flushSegments(segments.values());
        }
        // Loading opened the files of every segment it checked: an idle log keeps none open.
        for (LogSegment segment : segments.values()) {
            segment.release();
        }
        log.debug("Loaded log: partition={}, segments={}, logStartOffset={}, logEndOffset={}", topicPartition,
                segments.size(), logStartOffset, nextOffset);
    }

    /** Completes or discards what an interrupted operation left; returns the base offsets of the segments. */
    private List<Long> resolveLeftoverFiles() throws IOException {
        directoryExists = Files.exists(dir);
        if (!directoryExists) {
            return List.of(); // created by the first append
        }
        List<Path> files;
        try (Stream<Path> listing = Files.list(dir)) {
            files = listing.sorted().toList();
        }
        for (Path file : files) {
            String name = file.getFileName().toString();
            if (name.endsWith(LogFiles.CLEANED) || name.endsWith(LogFiles.DELETED)) {
                Files.deleteIfExists(file);
            } else if (name.endsWith(LogFiles.LOG + LogFiles.SWAP)) {
                // A compacted copy was complete: finish replacing the original; its indexes are rebuilt below.
                Path target = LogFiles.withoutSuffix(file, LogFiles.SWAP);
                long base = LogFiles.baseOffsetOf(target.getFileName().toString());
                Files.deleteIfExists(LogFiles.indexFile(dir, base));
                Files.deleteIfExists(LogFiles.timeIndexFile(dir, base));
                LogFiles.atomicMove(file, target);
            } else if (name.endsWith(LogFiles.SWAP)) {
                Files.deleteIfExists(file);
            }
        }
        List<Long> bases = new ArrayList<>();
        try (Stream<Path> listing = Files.list(dir)) {
            for (Path file : listing.toList()) {
                String name = file.getFileName().toString();
                long base = LogFiles.baseOffsetOf(name);
                if (base < 0) {
                    continue;
                }
                if (name.endsWith(LogFiles.LOG)) {
                    bases.add(base);
                } else if ((name.endsWith(LogFiles.INDEX) || name.endsWith(LogFiles.TIME_INDEX))
                        && !Files.exists(LogFiles.logFile(dir, base))) {
                    Files.deleteIfExists(file);
                }
            }
        }
        bases.sort(Long::compare);
        return bases;
    }

    private long loadAfterCleanShutdown() throws IOException {
        long nextOffset = active.validateTail();
        if (nextOffset < 0) {
            log.warn("Invalid data after the last clean shutdown, recovering: partition={}, segment={}",
                    topicPartition, active.file());
            nextOffset = active.recover().nextOffset();
        }
        checkIndexes(nextOffset);
        return nextOffset;
    }

    private long recoverAfterCrash(long checkpointedRecoveryPoint) throws IOException {
        Long from = segments.floorKey(checkpointedRecoveryPoint);
        Collection<LogSegment> unflushed = (from == null ? segments : segments.tailMap(from, true)).values();
        long nextOffset = active.baseOffset;
        for (LogSegment segment : List.copyOf(unflushed)) {
            LogSegment.Recovery recovery = segment.recover();
            nextOffset = recovery.nextOffset();
            if (recovery.problem() != null) {
                log.warn("Recovered log segment: partition={}, file={}, truncatedBytes={}, reason={}",
                        topicPartition, segment.file(), recovery.truncatedBytes(), recovery.problem());
                // As Kafka: the log stays a prefix of what was written; what followed a bad batch goes too.
                dropSegmentsAfter(segment);
                break;
            }
            if (segment != active) {
                segment.onBecomeInactive();
            }
        }
        if (unflushed.isEmpty()) {
            nextOffset = active.validateTail();
        }
        checkIndexes(nextOffset);
        return nextOffset;
    }

    /** Deletes every segment after {@code segment}, which becomes the active one. */
    private void dropSegmentsAfter(LogSegment segment) {
        for (LogSegment later : List.copyOf(segments.tailMap(segment.baseOffset, false).values())) {
            log.warn("Deleting log segment after a truncated one: partition={}, file={}", topicPartition,
                    later.file());
            segments.remove(later.baseOffset);
            later.deleteFiles();
        }
        active = segment;
    }

    /** Re-indexes every segment whose index files fail their sanity check. */
    private void checkIndexes(long logEndOffset) throws IOException {
        for (Map.Entry<Long, LogSegment> entry : segments.entrySet()) {
            LogSegment segment = entry.getValue();
            Long next = segments.higherKey(entry.getKey());
            long lastOffset = (next == null ? logEndOffset : next) - 1;
            String problem = segment.indexProblem(lastOffset, segment == active);
            if (problem != null) {
                log.warn("Rebuilding index: partition={}, segment={}, reason={}", topicPartition, segment.file(),
                        problem);
                LogSegment.Recovery recovery = segment.recover();
                if (segment != active) {
                    segment.onBecomeInactive();
                }
                if (recovery.problem() != null) {
                    log.error("Corrupt data in log segment truncated: partition={}, file={}, truncatedBytes={}, "
                                    + "reason={}", topicPartition, segment.file(), recovery.truncatedBytes(),
                            recovery.problem());
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------------------- accessors

    public TopicPartition topicPartition() {
        return topicPartition;
    }

    public Path dir() {
        return dir;
    }

    public LogConfig config() {
        return config;
    }

    /** Takes effect for the next append, roll and retention check. */
    public void updateConfig(LogConfig newConfig) {
        this.config = newConfig;
    }

    public long logStartOffset() {
        return logStartOffset;
    }

    /** The offset the next appended record gets. */
    public long logEndOffset() {
        return logEnd.offset();
    }

    /** The end of what readers may see. */
    public long highWatermark() {
        return highWatermark.offset();
    }

    /** Everything below this offset has been fsynced. */
    public long recoveryPoint() {
        return recoveryPoint;
    }

    public long sizeInBytes() {
        long total = 0;
        for (LogSegment segment : segments.values()) {
            total += segment.sizeInBytes();
        }
        return total;
    }

    public int numberOfSegments() {
        return segments.size();
    }

    List<LogSegment> segments() {
        return List.copyOf(segments.values());
    }

    LogSegment activeSegment() {
        return active;
    }

    // ---------------------------------------------------------------------------------------------- writer

    /**
     * Appends batches whose offsets start at {@link #logEndOffset()} (assigned by the caller), rolling to a new
     * segment first if the active one is full or old. The records become readable on {@link #publish()}.
     *
     * @param lastOffset           the last offset in {@code batches}
     * @param maxTimestamp         the largest timestamp in {@code batches}
     * @param offsetOfMaxTimestamp the offset of the record carrying it
     * @param recordCount          the number of records, for {@code flush.messages}
     */
    public void append(MemoryRecords batches, long lastOffset, long maxTimestamp, long offsetOfMaxTimestamp,
                       int recordCount) {
        lifecycle.readLock().lock();
        try {
            ensureOpen();
            appendOpen(batches, lastOffset, maxTimestamp, offsetOfMaxTimestamp, recordCount);
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /** Records and bytes appended, bytes read since the log was opened: the broker's metrics. */
    private final java.util.concurrent.atomic.LongAdder recordsAppended = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder bytesAppended = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder bytesRead = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder recordsRead = new java.util.concurrent.atomic.LongAdder();

    public long recordsAppended() {
        return recordsAppended.sum();
    }

    public long bytesAppended() {
        return bytesAppended.sum();
    }

    public long bytesRead() {
        return bytesRead.sum();
    }

    public long recordsRead() {
        return recordsRead.sum();
    }

    /** Counts records a reader took from this log (the reader knows how many a read's bytes held). */
    public void countRecordsRead(int records) {
        recordsRead.add(records);
    }

    private void appendOpen(MemoryRecords batches, long lastOffset, long maxTimestamp, long offsetOfMaxTimestamp,
                            int recordCount) {
        refuseAfterFlushFailure();
        long now = clock.getAsLong();
        LogSegment segment = active;
        if (segment.shouldRoll(batches.sizeInBytes(), maxTimestamp, lastOffset, config, now)) {
            segment = roll();
        }
        try {
            ensureDirectory();
            segment.append(batches, lastOffset, maxTimestamp, offsetOfMaxTimestamp);
        } catch (IOException e) {
            throw new StorageException("Cannot append to log: partition=" + topicPartition + ", file="
                    + segment.file(), e);
        }
        logEnd = new Position(lastOffset + 1, segment.baseOffset, segment.sizeInBytes());
        recordsAppended.add(recordCount);
        bytesAppended.add(batches.sizeInBytes());
        if (unflushedRecords == 0) {
            firstUnflushedWriteMs = now;
        }
        unflushedRecords += recordCount;
    }

    private void ensureDirectory() throws IOException {
        if (!directoryExists) {
            Files.createDirectories(dir);
            LogFiles.fsyncDirectory(dir.getParent());
            directoryExists = true;
        }
    }

    /** Whether the topic's flush policy asks for an fsync now (flush.messages reached or flush.ms elapsed). */
    public boolean flushDue(long nowMs) {
        if (unflushedRecords == 0) {
            return false;
        }
        LogConfig c = config;
        return unflushedRecords >= c.flushMessages()
                || (c.flushOnTimer() && nowMs - firstUnflushedWriteMs >= c.flushMs());
    }

    /** Makes everything appended so far visible to readers. Writer thread only. */
    public void publish() {
        Position end = logEnd;
        highWatermark = end;
        remember(end);
    }

    private void remember(Position end) {
        recentEnds[(int) end.offset() & (recentEnds.length - 1)] = end;
    }

    /** Where the next record will be written. */
    public Position logEndPosition() {
        return logEnd;
    }

    /**
     * Makes records up to {@code end} (an earlier {@link #logEndPosition()}) visible. Called, in order, by one thread
     * at a time — the writer, or the flusher that acknowledges fsynced runs for it.
     */
    public void publish(Position end) {
        if (end.offset() > highWatermark.offset()) {
            highWatermark = end;
            remember(end);
        }
    }

    /** The writer hands the unflushed records to an fsync: the flush policy counts afresh. Writer thread only. */
    public void resetFlushAccounting() {
        unflushedRecords = 0;
        firstUnflushedWriteMs = -1;
    }

    /**
     * fsyncs every segment written since the recovery point, then advances it to the log end as it was when the
     * call started. Safe from any thread, concurrently with appends.
     */
    public void flush() {
        Position end = logEnd;
        lifecycle.readLock().lock();
        try {
            ensureOpen();
            synchronized (flushLock) {
                refuseAfterFlushFailure();
                if (end.offset() <= recoveryPoint) {
                    return;
                }
                Long from = segments.floorKey(recoveryPoint);
                try {
                    flushSegments((from == null ? segments : segments.tailMap(from, true)).values());
                } catch (StorageException e) {
                    flushFailed(e);
                    throw e;
                }
                recoveryPoint = end.offset();
            }
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    private static void flushSegments(Collection<LogSegment> toFlush) {
        for (LogSegment segment : toFlush) {
            segment.flush();
        }
    }

    /** Starts a new active segment at the log end; the previous one is fsynced in the background. */
    public LogSegment roll() {
        ensureOpen();
        LogSegment previous = active;
        long base = logEnd.offset();
        if (previous.baseOffset == base) {
            return previous;
        }
        // The previous segment stops growing first: if it cannot (a full disk), it stays active, as it was. The new
        // one has no files until its first append: making it cannot fail.
        previous.onBecomeInactive();
        LogSegment next = LogSegment.create(dir, base, config, clock.getAsLong());
        segments.put(base, next);
        active = next;
        // The log end now falls at the start of the new segment. Keeping the previous segment's file position here
        // would bound reads of that segment by a stale size once compaction rewrites it (a tombstone batch grows
        // when its delete horizon is stamped), hiding its last batches.
        Position end = new Position(base, base, 0);
        logEnd = end;
        if (highWatermark.offset() == base) {
            highWatermark = end;
            remember(end);
        }
        background.execute(() -> flushUpTo(previous, base));
        log.debug("Rolled log segment: partition={}, newBaseOffset={}", topicPartition, base);
        return next;
    }

    private void flushUpTo(LogSegment segment, long offset) {
        lifecycle.readLock().lock();
        try {
            flushUpToOpen(segment, offset);
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    private void flushUpToOpen(LogSegment segment, long offset) {
        synchronized (flushLock) {
            // A segment deleted or replaced by compaction meanwhile is no longer the log's to make durable.
            if (closed || recoveryPoint >= offset || pendingDeletions.contains(segment)
                    || segments.get(segment.baseOffset) != segment || flushFailure != null) {
                return;
            }
            try {
                segment.flush();
            } catch (StorageException e) {
                log.warn("Background flush failed: partition={}, segment={}", topicPartition, segment.file(), e);
                flushFailed(e);
                return;
            }
            // Earlier segments were fsynced when they stopped growing: the executor runs these flushes in order.
            recoveryPoint = Math.max(recoveryPoint, offset);
        }
    }

    // ---------------------------------------------------------------------------------------------- fsync failure

    /** Whether an fsync failed since the last {@link #repairAfterFlushFailure}. Any thread. */
    public boolean flushFailed() {
        return flushFailure != null;
    }

    /** The failure of that fsync, or null. Any thread. */
    public StorageException flushFailure() {
        return flushFailure;
    }

    /** Records a failed fsync: from now on the log takes no appends and no fsyncs until it is repaired. */
    void flushFailed(StorageException failure) {
        if (flushFailure == null) {
            flushFailure = failure;
        }
    }

    private void refuseAfterFlushFailure() {
        StorageException failure = flushFailure;
        if (failure != null) {
            throw new StorageException("Log not repaired since an fsync failed: partition=" + topicPartition,
                    failure);
        }
    }

    /**
     * Makes the log whole after a failed fsync, so that it can take writes again; does nothing if no fsync failed.
     * Kafka takes the whole log directory offline until a restart recovers it; here the partition recovers in place:
     * <ol>
     *   <li>what was written but never made visible goes — its senders were told it failed;</li>
     *   <li>the segments from the recovery point are validated as after a crash (CRC32C, sizes, offsets), their
     *       indexes rebuilt and an invalid tail cut off; readers wait meanwhile;</li>
     *   <li>their bytes from the recovery point are written again and fsynced: only a new write makes pages that
     *       write-back dropped durable.</li>
     * </ol>
     * Then the recovery point is the log end and appends and fsyncs are taken again. If a step fails the log stays
     * as failed as it was, and the repair can be tried again. Writer thread only, with no fsync of its appends in
     * flight.
     *
     * @throws StorageException if the disk still cannot be written
     */
    public void repairAfterFlushFailure() {
        if (flushFailure == null) {
            return;
        }
        try {
            lifecycle.writeLock().lock();
            try {
                ensureOpen();
                synchronized (flushLock) {
                    truncateToHighWatermark();
                    long next = recoverAfterCrash(recoveryPoint);
                    Position end = new Position(next, active.baseOffset, active.sizeInBytes());
                    logEnd = end;
                    if (next < highWatermark.offset()) {
                        log.error("Records lost after a failed fsync, the log ends before its high watermark: "
                                + "partition={}, highWatermark={}, logEndOffset={}", topicPartition,
                                highWatermark.offset(), next);
                        java.util.Arrays.fill(recentEnds, null);
                        highWatermark = end;
                        logStartOffset = Math.min(logStartOffset, next);
                    }
                }
            } finally {
                lifecycle.writeLock().unlock();
            }
            lifecycle.readLock().lock();
            try {
                ensureOpen();
                synchronized (flushLock) {
                    rewriteFromRecoveryPoint();
                    LogFiles.fsyncDirectory(dir);
                    recoveryPoint = logEnd.offset();
                    flushFailure = null;
                }
            } finally {
                lifecycle.readLock().unlock();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof StorageException se) {
                throw se;
            }
            throw new StorageException("Cannot repair the log after a failed fsync: partition=" + topicPartition, e);
        }
        log.info("Log repaired after a failed fsync: partition={}, logEndOffset={}", topicPartition,
                logEnd.offset());
    }

    /** Cuts off what was written after the high watermark; the segment it falls in becomes the active one. */
    private void truncateToHighWatermark() throws IOException {
        Position hw = highWatermark;
        for (LogSegment later : List.copyOf(segments.tailMap(hw.segmentBaseOffset(), false).values())) {
            segments.remove(later.baseOffset);
            later.deleteFiles();
        }
        LogSegment last = segments.get(hw.segmentBaseOffset());
        last.truncateTo(hw.filePosition());
        active = last;
        logEnd = hw;
        recoveryPoint = Math.min(recoveryPoint, hw.offset());
    }

    private void rewriteFromRecoveryPoint() throws IOException {
        Long from = segments.floorKey(recoveryPoint);
        for (LogSegment segment : (from == null ? segments : segments.tailMap(from, true)).values()) {
            segment.rewriteFrom(recoveryPoint);
            segment.flush();
        }
    }

    /**
     * Applies retention: deletes the oldest segments while they are older than {@code retention.ms} or the log is
     * larger than {@code retention.bytes}, never past the high watermark. Returns the number deleted.
     */
    public int deleteOldSegments() {
        LogConfig c = config;
        if (!c.delete() || closed) {
            return 0;
        }
        long now = clock.getAsLong();
        long sizeBytes = sizeInBytes();
        List<LogSegment> deletable = new ArrayList<>();
        for (LogSegment segment : segments.values()) {
            boolean expired = c.retentionMs() >= 0 && now - segment.largestTimestamp() > c.retentionMs();
            boolean overSize = c.retentionBytes() >= 0 && sizeBytes - segment.sizeInBytes() >= c.retentionBytes();
            if (!(expired || overSize) || !isBelowHighWatermark(segment)) {
                break;
            }
            if (segment == active && segment.sizeInBytes() == 0) {
                break;
            }
            deletable.add(segment);
            sizeBytes -= segment.sizeInBytes();
        }
        deleteSegments(deletable, "retention");
        return deletable.size();
    }

    /**
     * Deletes the records below {@code offset}, at most the high watermark (Kafka's DeleteRecords): the log start
     * moves up to it and the segments wholly below it go. Returns the new log start; asking for less than the current
     * one changes nothing. Writer thread only, as retention.
     *
     * @throws OffsetOutOfRangeException if {@code offset} is negative or past the high watermark
     */
    public long deleteRecordsBefore(long offset) {
        ensureOpen();
        long hw = highWatermark.offset();
        if (offset < 0 || offset > hw) {
            throw new OffsetOutOfRangeException(topicPartition, offset, logStartOffset, hw);
        }
        if (offset <= logStartOffset) {
            return logStartOffset;
        }
        List<LogSegment> deletable = new ArrayList<>();
        for (LogSegment segment : segments.values()) {
            Long next = segments.higherKey(segment.baseOffset);
            long end = next == null ? logEnd.offset() : next;
            if (end > offset || (segment == active && segment.sizeInBytes() == 0)) {
                break;
            }
            deletable.add(segment);
        }
        deleteSegments(deletable, "delete records");
        logStartOffset = Math.max(logStartOffset, offset);
        log.info("Deleted records: partition={}, logStartOffset={}", topicPartition, logStartOffset);
        return logStartOffset;
    }

    private boolean isBelowHighWatermark(LogSegment segment) {
        Long next = segments.higherKey(segment.baseOffset);
        long end = next == null ? logEnd.offset() : next;
        return end <= highWatermark.offset();
    }

    private void deleteSegments(List<LogSegment> deletable, String reason) {
        if (deletable.isEmpty()) {
            return;
        }
        if (deletable.get(deletable.size() - 1) == active) {
            roll();
        }
        for (LogSegment segment : deletable) {
            segments.remove(segment.baseOffset, segment);
            segment.markDeleted();
            scheduleFileDeletion(segment);
        }
        long newStart = Math.max(logStartOffset, segments.firstKey());
        log.info("Deleted log segments: partition={}, count={}, reason={}, logStartOffset={}", topicPartition,
                deletable.size(), reason, newStart);
        logStartOffset = newStart;
    }

    /** Readers that found a segment before it was removed may still be reading it: close it later. */
    private void scheduleFileDeletion(LogSegment segment) {
        long delay = config.fileDeleteDelayMs();
        pendingDeletions.add(segment);
        Runnable deletion = () -> deleteSegmentFiles(segment);
        if (delay <= 0) {
            deletion.run();
        } else {
            background.schedule(deletion, delay, TimeUnit.MILLISECONDS);
        }
    }

    /** Deletes a removed segment's files once no read is in progress; at most once. */
    private void deleteSegmentFiles(LogSegment segment) {
        if (!pendingDeletions.remove(segment)) {
            return;
        }
        lifecycle.writeLock().lock();
        try {
            segment.deleteFiles();
        } catch (RuntimeException e) {
            log.warn("Cannot delete segment files: file={}", segment.file(), e);
        } finally {
            lifecycle.writeLock().unlock();
        }
    }

    /**
     * Swaps a compacted copy in for {@code original}, which must still be part of the log and inactive. The copy's
     * log file was written as {@code .cleaned}; it is renamed {@code .swap}, swapped in, then renamed {@code .log}:
     * a crash at any point leaves either the original or the complete copy, which {@link #open} finishes.
     *
     * @return false if {@code original} is no longer in the log (deleted meanwhile); the copy is then discarded
     */
    boolean replaceSegment(LogSegment original, Path cleanedLogFile) throws IOException {
        if (segments.get(original.baseOffset) != original || original == active) {
            Files.deleteIfExists(cleanedLogFile);
            return false;
        }
        Path swap = LogFiles.withSuffix(LogFiles.logFile(dir, original.baseOffset), LogFiles.SWAP);
        LogFiles.atomicMove(cleanedLogFile, swap);
        original.markDeleted();
        Path target = LogFiles.logFile(dir, original.baseOffset);
        LogFiles.atomicMove(swap, target);
        LogSegment replacement = LogSegment.open(dir, original.baseOffset, config, true, clock.getAsLong());
        replacement.recover();
        replacement.onBecomeInactive();
        replacement.flush();
        LogFiles.fsyncDirectory(dir);
        segments.put(original.baseOffset, replacement);
        scheduleFileDeletion(original);
        return true;
    }

    // ---------------------------------------------------------------------------------------------- readers

    /**
     * Reads whole batches starting with the one that holds {@code offset}, up to {@code maxBytes} (but at least one
     * batch), from what readers may see.
     *
     * @throws OffsetOutOfRangeException if {@code offset} is below the log start or past the high watermark
     */
    public ReadResult read(long offset, int maxBytes) {
        lifecycle.readLock().lock();
        try {
            ensureOpen();
            return readOpen(offset, maxBytes);
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    private ReadResult readOpen(long offset, int maxBytes) {
        Position hw = highWatermark;
        long start = logStartOffset;
        if (offset < start || offset > hw.offset()) {
            throw new OffsetOutOfRangeException(topicPartition, offset, start, hw.offset());
        }
        if (offset == hw.offset()) {
            return new ReadResult(null, 0, hw.offset(), start, hw.offset());
        }
        Position caughtUp = recentEnds[(int) offset & (recentEnds.length - 1)];
        LogSegment tail = active;
        // Only in the active segment, which compaction never rewrites: its positions stay where they were written.
        if (caughtUp != null && caughtUp.offset() == offset && caughtUp.segmentBaseOffset() == hw.segmentBaseOffset()
                && tail.baseOffset == hw.segmentBaseOffset()
                && hw.filePosition() - caughtUp.filePosition() <= maxBytes) {
            FileRecords records = tail.slice(caughtUp.filePosition(), hw.filePosition());
            bytesRead.add(records.sizeInBytes());
            return new ReadResult(records, caughtUp.filePosition(), hw.offset(), start, hw.offset());
        }
        Map.Entry<Long, LogSegment> entry = segments.floorEntry(offset);
        if (entry == null) {
            entry = segments.firstEntry();
        }
        while (entry != null && entry.getKey() <= hw.segmentBaseOffset()) {
            LogSegment segment = entry.getValue();
            int maxPosition = segment.baseOffset == hw.segmentBaseOffset()
                    ? hw.filePosition() : segment.sizeInBytes();
            LogSegment.Slice slice = readSegment(segment, offset, maxBytes, maxPosition);
            if (slice != null) {
                bytesRead.add(slice.records().sizeInBytes());
                boolean toHighWatermark = segment.baseOffset == hw.segmentBaseOffset()
                        && slice.position() + slice.records().sizeInBytes() == hw.filePosition();
                return new ReadResult(slice.records(), slice.position(), hw.offset(), start,
                        toHighWatermark ? hw.offset() : -1);
            }
            entry = segments.higherEntry(entry.getKey());
        }
        return new ReadResult(null, 0, hw.offset(), start, hw.offset());
    }

    /** Reads a segment; a batch header on the way to {@code offset} that cannot be read is corruption. */
    private LogSegment.Slice readSegment(LogSegment segment, long offset, int maxBytes, int maxPosition) {
        try {
            return segment.read(offset, maxBytes, maxPosition);
        } catch (Throwable t) {
            throw StoredBatches.corruptOrRethrow(t, topicPartition, segment.file(),
                    segment.positionOfUnreadableBatch(offset, maxPosition), offset);
        }
    }

    /**
     * The earliest offset whose record has a timestamp at or after {@code timestamp}, or null if every visible
     * record is older.
     */
    public OffsetAndTimestamp offsetForTimestamp(long timestamp) {
        lifecycle.readLock().lock();
        try {
            ensureOpen();
            return offsetForTimestampOpen(timestamp);
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    private OffsetAndTimestamp offsetForTimestampOpen(long timestamp) {
        Position hw = highWatermark;
        long start = logStartOffset;
        for (LogSegment segment : segments.values()) {
            if (segment.baseOffset > hw.segmentBaseOffset()) {
                break;
            }
            if (segment.maxTimestamp() < timestamp) {
                continue;
            }
            int maxPosition = segment.baseOffset == hw.segmentBaseOffset()
                    ? hw.filePosition() : segment.sizeInBytes();
            TimestampAndOffset found;
            try {
                found = segment.findOffsetByTimestamp(timestamp, start, maxPosition);
            } catch (Throwable t) {
                throw StoredBatches.corruptOrRethrow(t, topicPartition, segment.file(),
                        segment.positionOfUnreadableBatch(start, maxPosition), start);
            }
            if (found != null) {
                return new OffsetAndTimestamp(found.offset, found.timestamp);
            }
        }
        return null;
    }

    // ---------------------------------------------------------------------------------------------- lifecycle

    private void ensureOpen() {
        if (closed) {
            throw new ClosedException("log of partition " + topicPartition);
        }
    }

    /** fsyncs and closes every segment, once reads in progress are done. */
    @Override
    public void close() {
        lifecycle.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            try {
                flush();
                resetFlushAccounting();
                active.onBecomeInactive();
            } finally {
                closed = true;
                closeSegments();
            }
        } finally {
            lifecycle.writeLock().unlock();
        }
    }

    /** Closes every segment, and deletes the files of removed ones still waiting. Holds the write lock. */
    private void closeSegments() {
        for (LogSegment segment : segments.values()) {
            try {
                segment.close();
            } catch (RuntimeException e) {
                log.warn("Cannot close segment: file={}", segment.file(), e);
            }
        }
        for (LogSegment segment : List.copyOf(pendingDeletions)) {
            if (pendingDeletions.remove(segment)) {
                try {
                    segment.deleteFiles();
                } catch (RuntimeException e) {
                    log.warn("Cannot delete segment files: file={}", segment.file(), e);
                }
            }
        }
    }

    /** Closes without flushing or throwing, once reads in progress are done; for logs being discarded. */
    public void closeQuietly() {
        lifecycle.writeLock().lock();
        try {
            closed = true;
            closeSegments();
        } finally {
            lifecycle.writeLock().unlock();
        }
    }

    /** Closes the log and removes its directory; used when the topic is deleted. */
    public void deleteAll() {
        closeQuietly();
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new StorageException("Cannot delete log directory: dir=" + dir, e);
        }
    }

    @Override
    public String toString() {
        return "PartitionLog[" + topicPartition + ", start=" + logStartOffset + ", hw=" + highWatermark()
                + ", end=" + logEndOffset() + "]";
    }
}
