package io.sluice.broker.internal.log;

import java.io.IOException;
import io.sluice.broker.StorageException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * File names inside a partition directory, as Kafka names them: the segment's base offset as 20 zero-padded
 * digits, then a suffix. Files being replaced or removed carry a second suffix until the operation completes.
 *
 * <pre>
 *   00000000000000368769.log        record batches (RecordBatch v2)
 *   00000000000000368769.index      offset index
 *   00000000000000368769.timeindex  time index
 *   ….log.cleaned                   compacted copy being written (discarded on recovery)
 *   ….log.swap                      compacted copy complete, replacing the original (completed on recovery)
 *   ….log.deleted                   removed from the log, deleted after file.delete.delay.ms
 * </pre>
 */
public final class LogFiles {
    static final String LOG = ".log";
    static final String INDEX = ".index";
    static final String TIME_INDEX = ".timeindex";
    static final String CLEANED = ".cleaned";
    static final String SWAP = ".swap";
    static final String DELETED = ".deleted";

    private LogFiles() {
    }

    static String baseName(long baseOffset) {
        return String.format("%020d", baseOffset);
    }

    static Path logFile(Path dir, long baseOffset) {
        return dir.resolve(baseName(baseOffset) + LOG);
    }

    static Path indexFile(Path dir, long baseOffset) {
        return dir.resolve(baseName(baseOffset) + INDEX);
    }

    static Path timeIndexFile(Path dir, long baseOffset) {
        return dir.resolve(baseName(baseOffset) + TIME_INDEX);
    }

    /** The base offset in a segment file name, or -1 if the name is not a segment file's. */
    static long baseOffsetOf(String fileName) {
        int dot = fileName.indexOf('.');
        if (dot != 20) {
            return -1;
        }
        for (int i = 0; i < dot; i++) {
            if (!Character.isDigit(fileName.charAt(i))) {
                return -1;
            }
        }
        return Long.parseLong(fileName.substring(0, dot));
    }

    static Path withSuffix(Path file, String suffix) {
        return file.resolveSibling(file.getFileName() + suffix);
    }

    static Path withoutSuffix(Path file, String suffix) {
        String name = file.getFileName().toString();
        return file.resolveSibling(name.substring(0, name.length() - suffix.length()));
    }

    /** Renames atomically, replacing the target. */
    static void atomicMove(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Makes a directory's entries (new, renamed or deleted files) durable. */
    public static void fsyncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // Some file systems refuse to open directories; the entries are then as durable as they can be made.
            if (!(e instanceof java.nio.file.AccessDeniedException)) {
                throw new StorageException("Cannot fsync directory: dir=" + dir, e);
            }
        }
    }

    /** Writes a small file atomically: a temporary sibling, fsync, rename over the target, fsync the directory. */
    public static void writeAtomically(Path target, byte[] content) {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                var buffer = java.nio.ByteBuffer.wrap(content);
                while (buffer.hasRemaining()) {
                    ch.write(buffer);
                }
                ch.force(true);
            }
            atomicMove(tmp, target);
            fsyncDirectory(target.getParent());
        } catch (IOException e) {
            throw new StorageException("Cannot write file: file=" + target, e);
        }
    }
}
