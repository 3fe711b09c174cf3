package io.sluice.broker.internal.log;

import io.sluice.broker.StorageException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.apache.kafka.common.record.FileRecords;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The three files of a segment — log, offset index, time index — opened together on first use, as Kafka's
 * {@code LazyIndex} opens indexes: until then a segment costs no file descriptor and no memory map. A new segment's
 * files are created by its first append. While the files are not open, the log's size and the files' names are
 * known without touching them.
 *
 * <p>Thread-safe: opening, renaming, releasing, deleting and closing are serialized, so that a reader never opens a
 * file under a name it no longer has, nor one the segment is done with.
 */
final class SegmentFiles {
    private static final Logger log = LoggerFactory.getLogger(SegmentFiles.class);

    /** The files, open. */
    record Open(FileRecords records, OffsetIndex offsetIndex, TimeIndex timeIndex) {
    }

    private final Path dir;
    private final long baseOffset;
    private final int maxIndexBytes;
    /** Told of the files each time they are opened (under this object's lock), before anyone uses them. */
    private final Consumer<Open> onOpen;
    /** The current names: they take the {@code .deleted} suffix when the segment leaves the log. */
    private volatile Path logFile;
    private volatile Path indexFile;
    private volatile Path timeIndexFile;
    /** Null until first used, and again after {@link #release()}. */
    private volatile Open open;
    /** The log file's size while it is not open. */
    private volatile int closedSize;
    /** The segment may still grow, so its indexes are mapped at full size when opened. */
    private volatile boolean mayGrow;
    /** An index file was missing when the files were opened: the indexes must be rebuilt from the log. */
    private volatile boolean indexMissing;
    /** Closed for good: the files are not opened again. Guarded by this. */
    private boolean closed;

    SegmentFiles(Path dir, long baseOffset, int maxIndexBytes, boolean mayGrow, int size, Consumer<Open> onOpen) {
        this.dir = dir;
        this.baseOffset = baseOffset;
        this.maxIndexBytes = maxIndexBytes;
        this.mayGrow = mayGrow;
        this.closedSize = size;
        this.onOpen = onOpen;
        this.logFile = LogFiles.logFile(dir, baseOffset);
        this.indexFile = LogFiles.indexFile(dir, baseOffset);
        this.timeIndexFile = LogFiles.timeIndexFile(dir, baseOffset);
    }

    /** The open files, opened now if they are not; the log file must exist. */
    Open get() {
        Open files = open;
        return files != null ? files : open(false);
    }

    /** As {@link #get()}, creating the files if there are none yet: for an append. */
    Open forAppend() {
        Open files = open;
        return files != null ? files : open(true);
    }

    private synchronized Open open(boolean create) {
        Open files = open;
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
            files = new Open(records, offsetIndex, timeIndex);
            onOpen.accept(files);
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

    /** Replaces both index files with empty, writable ones, for a rebuild from the log. */
    synchronized Open recreateIndexes(Open files) {
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
        Open rebuilt = new Open(files.records(), offsetIndex, timeIndex);
        open = rebuilt;
        indexMissing = false;
        return rebuilt;
    }

    /** The open files, or null: for what a segment that is not open has nothing to do about. */
    Open ifOpen() {
        return open;
    }

    /** Whether there are no files on disk yet: nothing was ever appended. */
    boolean none() {
        return open == null && !Files.exists(logFile);
    }

    int size() {
        Open files = open;
        return files != null ? files.records().sizeInBytes() : closedSize;
    }

    Path logFile() {
        return logFile;
    }

    boolean indexMissing() {
        return indexMissing;
    }

    /** The segment will not grow: when next opened, its indexes are mapped as they are. */
    void stopGrowing() {
        mayGrow = false;
    }

    /**
     * Closes the files until the segment is next used; it stays part of the log. For the end of loading a log,
     * before anyone else can reach it: nothing else uses the files meanwhile.
     */
    synchronized void release() {
        Open files = open;
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

    /** Renames the files with {@code suffix}, open or not; the names a segment never created are simply taken. */
    synchronized void renameWithSuffix(String suffix) throws IOException {
        Path renamed = LogFiles.withSuffix(logFile, suffix);
        Open files = open;
        if (files != null) {
            files.records().renameTo(renamed.toFile());
        } else if (Files.exists(logFile)) {
            LogFiles.atomicMove(logFile, renamed);
        }
        logFile = renamed;
        indexFile = renameIfExists(indexFile, suffix);
        timeIndexFile = renameIfExists(timeIndexFile, suffix);
    }

    private static Path renameIfExists(Path file, String suffix) throws IOException {
        Path renamed = LogFiles.withSuffix(file, suffix);
        if (Files.exists(file)) {
            LogFiles.atomicMove(file, renamed);
        }
        return renamed;
    }

    /** Closes the files for good and deletes them, by their current names (plain, or {@code .deleted}). */
    synchronized void delete() throws IOException {
        closed = true;
        Open files = open;
        open = null;
        if (files != null) {
            files.offsetIndex().close();
            files.timeIndex().close();
            files.records().closeHandlers();
        }
        Files.deleteIfExists(logFile);
        Files.deleteIfExists(indexFile);
        Files.deleteIfExists(timeIndexFile);
    }

    /** Trims the indexes, fsyncs and closes the files for good. */
    synchronized void close() {
        closed = true;
        Open files = open;
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
}
