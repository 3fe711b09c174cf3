package io.sluice.broker.internal.log;

import io.sluice.broker.StorageException;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.record.FileLogInputStream.FileChannelRecordBatch;
import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.record.FileRecords.LogOffsetPosition;
import org.apache.kafka.common.record.FileRecords.TimestampAndOffset;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One segment of a partition log: a file of RecordBatch v2 batches starting at {@link #baseOffset}, with its sparse
 * offset and time indexes.
 *
 * <p>The files are opened on first use, all three together, as Kafka's {@code LazyIndex} opens indexes: an idle
 * segment costs no file descriptor and no memory map. A new segment's files do not exist until its first append.
 * While a segment is not open, its size, largest timestamp and file names are known without touching the files.
 *
 * <p>Thread contract: one writer ({@code append}, {@code recover}, {@code onBecomeInactive}, {@code release});
 * readers may call {@code read}, {@code translateOffset} and {@code findOffsetByTimestamp} concurrently, bounded
 * by a file position the writer has published. Opening, renaming and closing the files are serialized on the
 * segment, so that a reader never opens a file under a name it no longer has.
 */
final class LogSegment implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(LogSegment.class);

    /** The open files of a segment. */
    private record OpenFiles(FileRecords records, OffsetIndex offsetIndex, TimeIndex timeIndex) {
    }

    final long baseOffset;
    private final Path dir;
    private final int maxIndexBytes;
    private final int indexIntervalBytes;
    private final long createdMs;
    /** The files' current names: they take the {@code .deleted} suffix when the segment leaves the log. */
    private volatile Path logFile;
    private volatile Path indexFile;
    private volatile Path timeIndexFile;
    /** Null until first used, and again after {@link #release()}. */
    private volatile OpenFiles open;
    /** The log file's size while it is not open. */
    private volatile int closedSize;
    /** The segment may still grow, so its indexes are mapped at full size when opened. */
    private volatile boolean mayGrow;
    /** Closed for good: the files are not opened again. Guarded by this. */
    private boolean closed;
    private int bytesSinceLastIndexEntry;
    /** The first batch's timestamp: {@code segment.ms} is measured in record time from it, as in Kafka. */
    private long rollingBasedTimestamp = RecordBatch.NO_TIMESTAMP;
    private volatile long maxTimestamp = RecordBatch.NO_TIMESTAMP;
    private volatile long offsetOfMaxTimestamp = -1;
    /** Whether the largest timestamp is known: taken from the time index when the files are first opened. */
    private volatile boolean timestampsKnown;
    /** The time index on disk ends with the entry for the largest timestamp: nothing to add when growth stops. */
    private boolean timeIndexComplete;
    /** An index file was missing when the segment was opened, so it must be rebuilt from the log. */
    private volatile boolean indexMissing;

    private LogSegment(Path dir, long baseOffset, LogConfig config, long createdMs, boolean mayGrow, int size,
                       boolean isNew) {
        this.dir = dir;
        this.baseOffset = baseOffset;
        this.maxIndexBytes = config.segmentIndexBytes();
        this.indexIntervalBytes = config.indexIntervalBytes();
        this.createdMs = createdMs;
        this.mayGrow = mayGrow;
        this.closedSize = size;
        this.logFile = LogFiles.logFile(dir, baseOffset);
        this.indexFile = LogFiles.indexFile(dir, baseOffset);
        this.timeIndexFile = LogFiles.timeIndexFile(dir, baseOffset);
        this.timestampsKnown = isNew;
        this.timeIndexComplete = true;
    }

    /** A new, empty, writable segment; its files are created by its first append. */
    static LogSegment create(Path dir, long baseOffset, LogConfig config, long nowMs) {
        return new LogSegment(dir, baseOffset, config, nowMs, true, 0, true);
    }

    /**
     * A segment whose log file exists, opened on first use; missing index files are then created empty. A
     * {@code writable} segment's indexes are mapped at full size so they can grow; the caller checks or rebuilds
     * them ({@link #indexProblem}, {@link #recover}).
     */
    static LogSegment open(Path dir, long baseOffset, LogConfig config, boolean writable, long nowMs) {
        Path file = LogFiles.logFile(dir, baseOffset);
        try {
            long size = Files.size(file);
            if (size > Integer.MAX_VALUE) {
                throw new StorageException("Segment file larger than 2 GiB: file=" + file + ", bytes=" + size);
            }
            return new LogSegment(dir, baseOffset, config, nowMs, writable, (int) size, false);
        } catch (IOException e) {
            throw new StorageException("Cannot open segment: dir=" + dir + ", baseOffset=" + baseOffset, e);
        }
    }

    /** The open files, opened now if they are not. */
    private OpenFiles files() {
        OpenFiles files = open;
        return files != null ? files : openFiles(false);
    }

    /** Opens the files; {@code create}: a missing log file is created (the first append), else it must exist. */
    private synchronized OpenFiles openFiles(boolean create) {
        OpenFiles files = open;
        if (files != null) {
            return files;
        }
        if (closed) {
            throw new StorageException("Segment is closed: file=" + logFile);
        }
        Path file = logFile;
        boolean exists = Files.exists(file);
        if (!exists && !create) {
            throw new StorageException("Segment file is missing: file=" + file);
        }
        FileRecords records = null;
        OffsetIndex offsetIndex = null;
        try {
            records = FileRecords.open(file.toFile(), true, exists, 0, false);
            boolean missing = !Files.exists(indexFile) || !Files.exists(timeIndexFile);
            boolean indexesWritable = mayGrow || missing;
            offsetIndex = new OffsetIndex(indexFile, baseOffset, maxIndexBytes, indexesWritable);
            TimeIndex timeIndex = new TimeIndex(timeIndexFile, baseOffset, maxIndexBytes, indexesWritable);
            if (!exists) {
                LogFiles.fsyncDirectory(dir); // the new names must survive a crash as the data written to them will
            }
            indexMissing = missing && records.sizeInBytes() > 0;
            if (!timestampsKnown) {
                if (timeIndex.entries() > 0) {
                    // The last time-index entry of a segment that stopped growing holds its largest timestamp.
                    offsetOfMaxTimestamp = timeIndex.lookup(timeIndex.lastTimestamp());
                    maxTimestamp = timeIndex.lastTimestamp();
                }
                timestampsKnown = true;
            }
            files = new OpenFiles(records, offsetIndex, timeIndex);
            open = files;
            return files;
        } catch (IOException | RuntimeException e) {
            if (offsetIndex != null) {
                offsetIndex.close();
            }
            closeQuietly(records);
            throw new StorageException("Cannot open segment: dir=" + dir + ", baseOffset=" + baseOffset, e);
        }
    }

    /** Whether the segment has no files on disk yet (nothing was ever appended to it). */
    private boolean hasNoFiles() {
        return open == null && !Files.exists(logFile);
    }

    /**
     * Closes the files until the segment is next used; it stays part of the log. For the end of loading a log,
     * before anyone else can reach it: nothing else uses the segment meanwhile.
     */
    synchronized void release() {
        OpenFiles files = open;
        if (files == null) {
            return;
        }
        closedSize = files.records().sizeInBytes();
        open = null;
        try {
            files.offsetIndex().close();
            files.timeIndex().close();
        } finally {
            try {
                files.records().closeHandlers();
            } catch (IOException e) {
                log.warn("Cannot close segment file: file={}", logFile, e);
            }
        }
    }

    int sizeInBytes() {
        OpenFiles files = open;
        return files != null ? files.records().sizeInBytes() : closedSize;
    }

    Path file() {
        return logFile;
    }

    long maxTimestamp() {
        if (!timestampsKnown) {
            files();
        }
        return maxTimestamp;
    }

    /** The timestamp retention compares against: the newest record's, or the file's modification time. */
    long largestTimestamp() {
        long max = maxTimestamp();
        if (max >= 0) {
            return max;
        }
        try {
            return Files.getLastModifiedTime(file()).toMillis();
        } catch (IOException e) {
            return createdMs;
        }
    }

    // ---------------------------------------------------------------------------------------------- writer

    /**
     * Appends one or more batches whose offsets were assigned by the caller, creating the files on the first. Adds
     * an index entry when more than {@code index.interval.bytes} were written since the last one.
     */
    void append(MemoryRecords batches, long lastOffset, long batchMaxTimestamp, long offsetOfBatchMaxTimestamp)
            throws IOException {
        OpenFiles files = open;
        if (files == null) {
            files = openFiles(true);
        }
        FileRecords records = files.records();
        int position = records.sizeInBytes();
        if (rollingBasedTimestamp == RecordBatch.NO_TIMESTAMP && position == 0) {
            rollingBasedTimestamp = batchMaxTimestamp;
        }
        try {
            records.append(batches);
        } catch (IOException e) {
            // A partial write would sit between good batches: cut it off before anything follows it.
            records.truncateTo(position);
            throw e;
        }
        timeIndexComplete = false;
        if (batchMaxTimestamp > maxTimestamp) {
            offsetOfMaxTimestamp = offsetOfBatchMaxTimestamp;
            maxTimestamp = batchMaxTimestamp;
        }
        if (bytesSinceLastIndexEntry > indexIntervalBytes) {
            files.offsetIndex().append(lastOffset, position);
            files.timeIndex().maybeAppend(maxTimestamp, offsetOfMaxTimestamp);
            bytesSinceLastIndexEntry = 0;
        }
        bytesSinceLastIndexEntry += batches.sizeInBytes();
    }

    /** Whether a batch of {@code incomingBytes} ending at {@code lastOffset} must go to a new segment. */
    boolean shouldRoll(int incomingBytes, long incomingMaxTimestamp, long lastOffset, LogConfig config,
                       long nowMs) {
        int size = sizeInBytes();
        if (size == 0) {
            return false;
        }
        long waited = rollingBasedTimestamp >= 0 && incomingMaxTimestamp >= 0
                ? incomingMaxTimestamp - rollingBasedTimestamp
                : nowMs - createdMs;
        if (size > config.segmentBytes() - incomingBytes || waited > config.segmentMs()
                || lastOffset - baseOffset > Integer.MAX_VALUE) {
            return true;
        }
        OpenFiles files = files();
        return files.offsetIndex().isFull() || files.timeIndex().isFull();
    }

    /** The segment stops growing: a final time-index entry, indexes trimmed to their entries. */
    void onBecomeInactive() {
        mayGrow = false;
        if (open == null && (timeIndexComplete || hasNoFiles())) {
            return; // the indexes on disk were trimmed when the files were last closed
        }
        OpenFiles files = files();
        if (maxTimestamp >= 0) {
            files.timeIndex().maybeAppend(maxTimestamp, offsetOfMaxTimestamp);
        }
        timeIndexComplete = true;
        files.offsetIndex().trim();
        files.timeIndex().trim();
    }

    /** fsyncs the data and the indexes; a segment that is not open has nothing unwritten. */
    void flush() {
        OpenFiles files = open;
        if (files == null) {
            return;
        }
        try {
            files.records().flush();
            files.offsetIndex().flush();
            files.timeIndex().flush();
        } catch (IOException e) {
            throw new StorageException("Cannot flush segment: file=" + file(), e);
        }
    }

    /** Checks the indexes against the log; returns the problem or null. */
    String indexProblem(long lastOffsetInSegment, boolean full) {
        if (hasNoFiles()) {
            return null;
        }
        OpenFiles files = files();
        if (indexMissing) {
            return "index file missing";
        }
        OffsetIndex offsetIndex = files.offsetIndex();
        String problem = offsetIndex.sanityCheck(files.records().sizeInBytes(), full);
        if (problem == null) {
            problem = files.timeIndex().sanityCheck(lastOffsetInSegment, full);
        }
        if (problem == null && offsetIndex.entries() > 0 && offsetIndex.lastOffset() > lastOffsetInSegment) {
            problem = "last offset-index entry " + offsetIndex.lastOffset() + " past the log's last offset "
                    + lastOffsetInSegment;
        }
        return problem;
    }

    /** Result of validating a segment: the bytes and offsets that are good. */
    record Recovery(int validBytes, int truncatedBytes, long nextOffset, String problem) {
    }

    /**
     * Validates every batch (size, magic, CRC32C, increasing offsets), rebuilds both indexes, and truncates the file
     * after the last valid batch. Kafka's {@code LogSegment.recover}.
     */
    Recovery recover() throws IOException {
        if (hasNoFiles()) {
            return new Recovery(0, 0, baseOffset, null);
        }
        OpenFiles files = recreateIndexes(files());
        FileRecords records = files.records();
        indexMissing = false;
        timeIndexComplete = false;
        maxTimestamp = RecordBatch.NO_TIMESTAMP;
        offsetOfMaxTimestamp = -1;
        rollingBasedTimestamp = RecordBatch.NO_TIMESTAMP;
        bytesSinceLastIndexEntry = 0;
        int size = records.sizeInBytes();
        int validBytes = 0;
        long nextOffset = baseOffset;
        String problem = null;
        try {
            for (FileChannelRecordBatch batch : records.slice(0, size).batches()) {
                problem = invalidBatchProblem(batch, nextOffset);
                if (problem != null) {
                    break;
                }
                if (rollingBasedTimestamp == RecordBatch.NO_TIMESTAMP) {
                    rollingBasedTimestamp = batch.maxTimestamp();
                }
                if (batch.maxTimestamp() > maxTimestamp) {
                    maxTimestamp = batch.maxTimestamp();
                    offsetOfMaxTimestamp = batch.lastOffset();
                }
                if (bytesSinceLastIndexEntry > indexIntervalBytes) {
                    files.offsetIndex().append(batch.lastOffset(), batch.position());
                    files.timeIndex().maybeAppend(maxTimestamp, offsetOfMaxTimestamp);
                    bytesSinceLastIndexEntry = 0;
                }
                bytesSinceLastIndexEntry += batch.sizeInBytes();
                validBytes += batch.sizeInBytes();
                nextOffset = batch.lastOffset() + 1;
            }
        } catch (KafkaException e) {
            problem = e.getMessage();
        }
        if (problem == null && validBytes < size) {
            problem = "incomplete batch at the end of the file";
        }
        int truncated = size - validBytes;
        if (truncated > 0) {
            log.warn("Truncating invalid log tail: file={}, position={}, bytes={}, reason={}", file(), validBytes,
                    truncated, problem);
            records.truncateTo(validBytes);
        }
        return new Recovery(validBytes, truncated, nextOffset, truncated > 0 ? problem : null);
    }

    /** Replaces both index files with empty, writable ones: recovery rebuilds them from the log. */
    private synchronized OpenFiles recreateIndexes(OpenFiles files) {
        files.offsetIndex().deleteFile();
        files.timeIndex().deleteFile();
        OffsetIndex offsetIndex = new OffsetIndex(indexFile, baseOffset, maxIndexBytes, true);
        TimeIndex timeIndex;
        try {
            timeIndex = new TimeIndex(timeIndexFile, baseOffset, maxIndexBytes, true);
        } catch (RuntimeException e) {
            offsetIndex.close();
            throw e;
        }
        OpenFiles rebuilt = new OpenFiles(files.records(), offsetIndex, timeIndex);
        open = rebuilt;
        return rebuilt;
    }

    /**
     * Checks the batches from the last indexed position to the end of the file — the part a clean shutdown leaves
     * unindexed — and returns the next offset, or -1 if anything there is invalid (the caller then recovers the
     * whole segment). Also restores the segment's largest timestamp.
     */
    long validateTail() {
        if (hasNoFiles()) {
            return baseOffset;
        }
        OpenFiles files = files();
        OffsetIndex offsetIndex = files.offsetIndex();
        TimeIndex timeIndex = files.timeIndex();
        FileRecords records = files.records();
        long fromOffset = offsetIndex.lastOffset();
        int position = offsetIndex.isEmpty() ? 0 : offsetIndex.lookup(fromOffset);
        long nextOffset = baseOffset;
        maxTimestamp = Math.max(RecordBatch.NO_TIMESTAMP, timeIndex.lastTimestamp());
        offsetOfMaxTimestamp = timeIndex.isEmpty() ? -1 : timeIndex.lookup(maxTimestamp);
        int size = records.sizeInBytes();
        int end = position;
        try {
            boolean first = true;
            for (FileChannelRecordBatch batch : records.slice(position, size - position).batches()) {
                if (first) {
                    first = false;
                    if (rollingBasedTimestamp == RecordBatch.NO_TIMESTAMP && position == 0) {
                        rollingBasedTimestamp = batch.maxTimestamp();
                    }
                    nextOffset = batch.baseOffset();
                }
                if (invalidBatchProblem(batch, nextOffset) != null) {
                    return -1;
                }
                if (batch.maxTimestamp() > maxTimestamp) {
                    maxTimestamp = batch.maxTimestamp();
                    offsetOfMaxTimestamp = batch.lastOffset();
                    timeIndexComplete = false;
                }
                nextOffset = batch.lastOffset() + 1;
                end = batch.position() + batch.sizeInBytes();
                bytesSinceLastIndexEntry += batch.sizeInBytes();
            }
        } catch (KafkaException e) {
            return -1;
        }
        if (end != size) {
            return -1;
        }
        if (rollingBasedTimestamp == RecordBatch.NO_TIMESTAMP) {
            rollingBasedTimestamp = readFirstBatchTimestamp(records);
        }
        return nextOffset;
    }

    private static long readFirstBatchTimestamp(FileRecords records) {
        for (FileChannelRecordBatch batch : records.slice(0, records.sizeInBytes()).batches()) {
            return batch.maxTimestamp();
        }
        return RecordBatch.NO_TIMESTAMP;
    }

    private static String invalidBatchProblem(FileChannelRecordBatch batch, long minBaseOffset) {
        if (batch.magic() != RecordBatch.MAGIC_VALUE_V2) {
            return "unsupported magic " + batch.magic() + " at position " + batch.position();
        }
        if (!batch.isValid()) {
            return "CRC32C mismatch at position " + batch.position();
        }
        if (batch.baseOffset() < minBaseOffset) {
            return "offset " + batch.baseOffset() + " does not follow " + (minBaseOffset - 1) + " at position "
                    + batch.position();
        }
        if (batch.lastOffset() < batch.baseOffset()) {
            return "last offset before base offset at position " + batch.position();
        }
        return null;
    }

    // ---------------------------------------------------------------------------------------------- readers

    /** Every batch of a segment that no longer grows. */
    FileRecords readAll() {
        FileRecords records = files().records();
        return records.slice(0, records.sizeInBytes());
    }

    /**
     * The position and base offset of the first batch whose last offset is at or after {@code offset}, looking no
     * further than {@code maxPosition}; null if there is none.
     */
    LogOffsetPosition translateOffset(long offset, int maxPosition) {
        if (maxPosition <= 0) {
            return null; // nothing to read: the files need not be opened
        }
        OpenFiles files = files();
        int start = files.offsetIndex().lookup(offset);
        if (start >= maxPosition) {
            return null;
        }
        return files.records().slice(0, maxPosition).searchForOffsetFromPosition(offset, start);
    }

    /**
     * Whole batches from the one holding {@code startOffset}, at most {@code maxBytes} — but always the first batch,
     * whatever its size — and no further than {@code maxPosition}. Null if the segment holds nothing at or after
     * {@code startOffset} below {@code maxPosition}.
     */
    Slice read(long startOffset, int maxBytes, int maxPosition) {
        LogOffsetPosition start = translateOffset(startOffset, maxPosition);
        if (start == null) {
            return null;
        }
        int available = maxPosition - start.position;
        int length = Math.min(available, Math.max(maxBytes, start.size));
        return new Slice(files().records().slice(start.position, length), start.position);
    }

    /** The batches between two positions that fall between batches (a reader's, the high watermark's). */
    FileRecords slice(int from, int to) {
        return files().records().slice(from, to - from);
    }

    /** Batches read from a segment file, and the file position they start at. */
    record Slice(FileRecords records, int position) {
    }

    /** The first record at or after {@code timestamp} with an offset of at least {@code startingOffset}. */
    TimestampAndOffset findOffsetByTimestamp(long timestamp, long startingOffset, int maxPosition) {
        if (maxPosition <= 0) {
            return null;
        }
        OpenFiles files = files();
        long indexedOffset = files.timeIndex().lookup(timestamp);
        int position = files.offsetIndex().lookup(Math.max(indexedOffset, startingOffset));
        if (position >= maxPosition) {
            return null;
        }
        return files.records().slice(0, maxPosition).searchForTimestamp(timestamp, position, startingOffset);
    }

    // ---------------------------------------------------------------------------------------------- lifecycle

    /** Renames the files to {@code .deleted}; they are removed by {@link #deleteFiles()} later. */
    synchronized void markDeleted() {
        try {
            Path deletedLog = LogFiles.withSuffix(logFile, LogFiles.DELETED);
            OpenFiles files = open;
            if (files != null) {
                files.records().renameTo(deletedLog.toFile());
            } else if (Files.exists(logFile)) {
                LogFiles.atomicMove(logFile, deletedLog);
            }
            logFile = deletedLog;
            indexFile = renameIfExists(indexFile, LogFiles.DELETED);
            timeIndexFile = renameIfExists(timeIndexFile, LogFiles.DELETED);
        } catch (IOException e) {
            throw new StorageException("Cannot rename deleted segment: file=" + file(), e);
        }
    }

    /** The file's new name; an index that was never created is simply known by it from now on. */
    private static Path renameIfExists(Path file, String suffix) throws IOException {
        Path renamed = LogFiles.withSuffix(file, suffix);
        if (Files.exists(file)) {
            LogFiles.atomicMove(file, renamed);
        }
        return renamed;
    }

    /** Closes and deletes the segment's files, by their current names (plain, or {@code .deleted}). */
    synchronized void deleteFiles() {
        closed = true;
        OpenFiles files = open;
        open = null;
        try {
            if (files != null) {
                files.offsetIndex().close();
                files.timeIndex().close();
                files.records().closeHandlers();
            }
            Files.deleteIfExists(logFile);
            Files.deleteIfExists(indexFile);
            Files.deleteIfExists(timeIndexFile);
        } catch (IOException e) {
            throw new StorageException("Cannot delete segment: file=" + file(), e);
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        OpenFiles files = open;
        if (files == null) {
            return;
        }
        closedSize = files.records().sizeInBytes();
        open = null;
        try {
            files.offsetIndex().close();
            files.timeIndex().close();
        } finally {
            closeQuietly(files.records());
        }
    }

    private static void closeQuietly(FileRecords records) {
        if (records != null) {
            try {
                records.close();
            } catch (IOException ignored) {
                // already failing
            }
        }
    }

    Path dir() {
        return dir;
    }

    /** Whether the files are open now (for tests of what an idle segment costs). */
    boolean isOpen() {
        return open != null;
    }

    @Override
    public String toString() {
        return "LogSegment[" + file() + ", size=" + sizeInBytes() + "]";
    }
}
