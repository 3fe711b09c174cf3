package io.sluice.broker.internal.log;

import io.sluice.broker.StorageException;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
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
 * <p>Thread contract: one writer ({@code append}, {@code recover}, {@code onBecomeInactive});
 * readers may call {@code read}, {@code translateOffset} and {@code findOffsetByTimestamp} concurrently, bounded
 * by a file position the writer has published.
 */
final class LogSegment implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(LogSegment.class);

    final long baseOffset;
    private final Path dir;
    private final FileRecords records;
    private final int maxIndexBytes;
    private OffsetIndex offsetIndex;
    private TimeIndex timeIndex;
    private final int indexIntervalBytes;
    private final long createdMs;
    private int bytesSinceLastIndexEntry;
    /** The first batch's timestamp: {@code segment.ms} is measured in record time from it, as in Kafka. */
    private long rollingBasedTimestamp = RecordBatch.NO_TIMESTAMP;
    private volatile long maxTimestamp = RecordBatch.NO_TIMESTAMP;
    private volatile long offsetOfMaxTimestamp = -1;
    /** An index file was missing when the segment was opened, so it must be rebuilt from the log. */
    private boolean indexMissing;
    /** Bytes of a failed append may be in the file past its size: the next append cuts them off first. */
    private boolean partialWrite;
    /** The files were renamed with the {@code .deleted} suffix; the plain names may belong to a replacement. */
    private volatile boolean markedDeleted;

    private LogSegment(Path dir, long baseOffset, FileRecords records, OffsetIndex offsetIndex, TimeIndex timeIndex,
                       LogConfig config, long createdMs) {
        this.dir = dir;
        this.baseOffset = baseOffset;
        this.records = records;
        this.offsetIndex = offsetIndex;
        this.timeIndex = timeIndex;
        this.maxIndexBytes = config.segmentIndexBytes();
        this.indexIntervalBytes = config.indexIntervalBytes();
        this.createdMs = createdMs;
        if (timeIndex.entries() > 0) {
            // The last time-index entry of a segment that stopped growing holds its largest timestamp.
            this.maxTimestamp = timeIndex.lastTimestamp();
            this.offsetOfMaxTimestamp = timeIndex.lookup(maxTimestamp);
        }
    }

    /** Creates the files of a new, empty, writable segment. */
    static LogSegment create(Path dir, long baseOffset, LogConfig config, long nowMs) {
        return open(dir, baseOffset, config, true, nowMs);
    }

    /**
     * Opens a segment's files; missing index files are created empty. A {@code writable} segment's indexes are
     * mapped at full size so they can grow; the caller then checks or rebuilds them ({@link #indexProblem},
     * {@link #recover}).
     */
    static LogSegment open(Path dir, long baseOffset, LogConfig config, boolean writable, long nowMs) {
        FileRecords records = null;
        OffsetIndex offsetIndex = null;
        try {
            Path logFile = LogFiles.logFile(dir, baseOffset);
            records = FileRecords.open(logFile.toFile(), true, Files.exists(logFile), 0, false);
            Path indexFile = LogFiles.indexFile(dir, baseOffset);
            Path timeIndexFile = LogFiles.timeIndexFile(dir, baseOffset);
            boolean missing = !Files.exists(indexFile) || !Files.exists(timeIndexFile);
            boolean indexesWritable = writable || missing;
            offsetIndex = new OffsetIndex(indexFile, baseOffset, config.segmentIndexBytes(), indexesWritable);
            TimeIndex timeIndex = new TimeIndex(timeIndexFile, baseOffset, config.segmentIndexBytes(),
                    indexesWritable);
            LogSegment segment = new LogSegment(dir, baseOffset, records, offsetIndex, timeIndex, config, nowMs);
            segment.indexMissing = missing && records.sizeInBytes() > 0;
            return segment;
        } catch (IOException | RuntimeException e) {
            if (offsetIndex != null) {
                offsetIndex.close();
            }
            closeQuietly(records);
            throw new StorageException("Cannot open segment: dir=" + dir + ", baseOffset=" + baseOffset, e);
        }
    }

    int sizeInBytes() {
        return records.sizeInBytes();
    }

    Path file() {
        return records.file().toPath();
    }

    long maxTimestamp() {
        return maxTimestamp;
    }

    /** The timestamp retention compares against: the newest record's, or the file's modification time. */
    long largestTimestamp() {
        long max = maxTimestamp;
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
     * Appends one or more batches whose offsets were assigned by the caller. Adds an index entry when more than
     * {@code index.interval.bytes} were written since the last one.
     *
     * <p>A failed append (a full disk) leaves the segment as it was: the disk blocks for the index entry are taken
     * first, and what part of the batches reached the file is cut off again; if even that fails, the next append
     * cuts it off before it writes.
     */
    void append(MemoryRecords batches, long lastOffset, long batchMaxTimestamp, long offsetOfBatchMaxTimestamp)
            throws IOException {
        int position = records.sizeInBytes();
        if (partialWrite) {
            records.truncateTo(position);
            partialWrite = false;
        }
        boolean indexEntryDue = bytesSinceLastIndexEntry > indexIntervalBytes;
        if (indexEntryDue) {
            offsetIndex.reserveNext();
            timeIndex.reserveNext();
        }
        try {
            records.append(batches);
        } catch (IOException e) {
            // A partial write would sit between good batches: cut it off before anything follows it. FileRecords
            // did not count the bytes that reached the file, so its size is still the position before the write.
            partialWrite = true;
            try {
                records.truncateTo(position);
                partialWrite = false;
            } catch (IOException | RuntimeException truncateFailure) {
                e.addSuppressed(truncateFailure);
            }
            throw e;
        }
        if (rollingBasedTimestamp == RecordBatch.NO_TIMESTAMP && position == 0) {
            rollingBasedTimestamp = batchMaxTimestamp;
        }
        if (batchMaxTimestamp > maxTimestamp) {
            offsetOfMaxTimestamp = offsetOfBatchMaxTimestamp;
            maxTimestamp = batchMaxTimestamp;
        }
        if (indexEntryDue) {
            offsetIndex.append(lastOffset, position);
            timeIndex.maybeAppend(maxTimestamp, offsetOfMaxTimestamp);
            bytesSinceLastIndexEntry = 0;
        }
        bytesSinceLastIndexEntry += batches.sizeInBytes();
    }

    /** Cuts the file off at {@code position}, between batches; the caller then rebuilds the indexes. */
    void truncateTo(int position) throws IOException {
        records.truncateTo(position);
        partialWrite = false;
    }

    /**
     * Writes the batches from the one holding {@code offset} to the end of the file again, over themselves, so that
     * the next fsync writes them to disk whatever became of their pages before. Indexes are left as they are.
     */
    void rewriteFrom(long offset) throws IOException {
        int size = records.sizeInBytes();
        int from = 0;
        if (offset > baseOffset) {
            LogOffsetPosition start = translateOffset(offset, size);
            if (start == null) {
                return;
            }
            from = start.position;
        }
        FileChannel channel = records.channel();
        ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
        for (long position = from; position < size; position += buffer.limit()) {
            buffer.clear().limit((int) Math.min(buffer.capacity(), size - position));
            while (buffer.hasRemaining()) {
                if (channel.read(buffer, position + buffer.position()) < 0) {
                    throw new IOException("Segment shorter than its size: file=" + file() + ", size=" + size);
                }
            }
            buffer.flip();
            while (buffer.hasRemaining()) {
                channel.write(buffer, position + buffer.position());
            }
        }
    }

    /** Whether a batch of {@code incomingBytes} ending at {@code lastOffset} must go to a new segment. */
    boolean shouldRoll(int incomingBytes, long incomingMaxTimestamp, long lastOffset, LogConfig config,
                       long nowMs) {
        int size = records.sizeInBytes();
        if (size == 0) {
            return false;
        }
        long waited = rollingBasedTimestamp >= 0 && incomingMaxTimestamp >= 0
                ? incomingMaxTimestamp - rollingBasedTimestamp
                : nowMs - createdMs;
        return size > config.segmentBytes() - incomingBytes
                || waited > config.segmentMs()
                || offsetIndex.isFull()
                || timeIndex.isFull()
                || lastOffset - baseOffset > Integer.MAX_VALUE;
    }

    /**
     * The segment stops growing: a final time-index entry, indexes trimmed to their entries.
     *
     * @throws java.io.UncheckedIOException if the disk has no room for the final entry; nothing changed then
     */
    void onBecomeInactive() {
        if (maxTimestamp >= 0) {
            timeIndex.maybeAppend(maxTimestamp, offsetOfMaxTimestamp);
        }
        offsetIndex.trim();
        timeIndex.trim();
    }

    /** fsyncs the data and the indexes. */
    void flush() {
        try {
            records.flush();
            offsetIndex.flush();
            timeIndex.flush();
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new StorageException("Cannot flush segment: file=" + file(), e);
        }
    }

    /** Checks the indexes against the log; returns the problem or null. */
    String indexProblem(long lastOffsetInSegment, boolean full) {
        if (indexMissing) {
            return "index file missing";
        }
        String problem = offsetIndex.sanityCheck(records.sizeInBytes(), full);
        if (problem == null) {
            problem = timeIndex.sanityCheck(lastOffsetInSegment, full);
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
        recreateIndexes();
        indexMissing = false;
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
                    offsetIndex.append(batch.lastOffset(), batch.position());
                    timeIndex.maybeAppend(maxTimestamp, offsetOfMaxTimestamp);
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
    private void recreateIndexes() {
        Path indexFile = offsetIndex.file;
        Path timeIndexFile = timeIndex.file;
        offsetIndex.deleteFile();
        timeIndex.deleteFile();
        offsetIndex = new OffsetIndex(indexFile, baseOffset, maxIndexBytes, true);
        timeIndex = new TimeIndex(timeIndexFile, baseOffset, maxIndexBytes, true);
    }

    /**
     * Checks the batches from the last indexed position to the end of the file — the part a clean shutdown leaves
     * unindexed — and returns the next offset, or -1 if anything there is invalid (the caller then recovers the
     * whole segment). Also restores the segment's largest timestamp.
     */
    long validateTail() {
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
            rollingBasedTimestamp = readFirstBatchTimestamp();
        }
        return nextOffset;
    }

    private long readFirstBatchTimestamp() {
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
        return records.slice(0, records.sizeInBytes());
    }

    /**
     * The position and base offset of the first batch whose last offset is at or after {@code offset}, looking no
     * further than {@code maxPosition}; null if there is none.
     */
    LogOffsetPosition translateOffset(long offset, int maxPosition) {
        int start = offsetIndex.lookup(offset);
        if (start >= maxPosition) {
            return null;
        }
        return records.slice(0, maxPosition).searchForOffsetFromPosition(offset, start);
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
        return new Slice(records.slice(start.position, length), start.position);
    }

    /**
     * Where the first batch from the indexed position of {@code offset} whose header cannot be read starts, or that
     * position if every header up to {@code maxPosition} reads: where a failed read ran into corruption.
     */
    int positionOfUnreadableBatch(long offset, int maxPosition) {
        int position = offsetIndex.lookup(offset);
        if (position >= maxPosition) {
            return position;
        }
        int start = position;
        try {
            for (FileChannelRecordBatch batch : records.slice(start, maxPosition - start).batches()) {
                batch.lastOffset();
                position = batch.position() + batch.sizeInBytes();
            }
            return start;
        } catch (Throwable t) {
            if (!StoredBatches.isDecodeFailure(t)) {
                throw t;
            }
            return position;
        }
    }

    /** The batches between two positions that fall between batches (a reader's, the high watermark's). */
    FileRecords slice(int from, int to) {
        return records.slice(from, to - from);
    }

    /** Batches read from a segment file, and the file position they start at. */
    record Slice(FileRecords records, int position) {
    }

    /** The first record at or after {@code timestamp} with an offset of at least {@code startingOffset}. */
    TimestampAndOffset findOffsetByTimestamp(long timestamp, long startingOffset, int maxPosition) {
        long indexedOffset = timeIndex.lookup(timestamp);
        int position = offsetIndex.lookup(Math.max(indexedOffset, startingOffset));
        if (position >= maxPosition) {
            return null;
        }
        return records.slice(0, maxPosition).searchForTimestamp(timestamp, position, startingOffset);
    }

    // ---------------------------------------------------------------------------------------------- lifecycle

    /** Renames the files to {@code .deleted}; they are removed by {@link #deleteFiles()} later. */
    void markDeleted() {
        try {
            renameWithSuffix(LogFiles.DELETED);
            markedDeleted = true;
        } catch (IOException e) {
            throw new StorageException("Cannot rename deleted segment: file=" + file(), e);
        }
    }

    private void renameWithSuffix(String suffix) throws IOException {
        Path log = file();
        records.renameTo(LogFiles.withSuffix(log, suffix).toFile());
        for (Path index : new Path[] {offsetIndex.file, timeIndex.file}) {
            if (Files.exists(index)) {
                LogFiles.atomicMove(index, LogFiles.withSuffix(index, suffix));
            }
        }
    }

    /** Closes and deletes the segment's files, whatever their current names. */
    void deleteFiles() {
        try {
            offsetIndex.close();
            timeIndex.close();
            records.closeHandlers();
            Files.deleteIfExists(file());
            for (MappedIndex index : new MappedIndex[] {offsetIndex, timeIndex}) {
                // Once renamed, the plain name may already be a compacted replacement's index: leave it alone.
                Files.deleteIfExists(markedDeleted ? LogFiles.withSuffix(index.file, LogFiles.DELETED) : index.file);
            }
        } catch (IOException e) {
            throw new StorageException("Cannot delete segment: file=" + file(), e);
        }
    }

    @Override
    public void close() {
        try {
            offsetIndex.close();
            timeIndex.close();
        } finally {
            closeQuietly(records);
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

    @Override
    public String toString() {
        return "LogSegment[" + file() + ", size=" + sizeInBytes() + "]";
    }
}
