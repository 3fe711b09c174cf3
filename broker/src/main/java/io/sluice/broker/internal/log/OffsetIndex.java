package io.sluice.broker.internal.log;

import java.nio.file.Path;

/**
 * The sparse offset index of one segment, in Kafka's layout: 8-byte entries mapping the last offset of a batch to
 * the file position where that batch starts. An entry is added every {@code index.interval.bytes} of log data.
 *
 * <pre>
 *   0               4               8
 *   +---------------+---------------+
 *   | offset - base | file position |   int32 big-endian each, offsets strictly increasing
 *   +---------------+---------------+
 * </pre>
 *
 * Single writer, concurrent readers.
 */
final class OffsetIndex extends MappedIndex {
    static final int ENTRY_SIZE = 8;

    OffsetIndex(Path file, long baseOffset, int maxIndexBytes, boolean writable) {
        super(file, baseOffset, maxIndexBytes, ENTRY_SIZE, writable);
    }

    @Override
    long key(int i) {
        return baseOffset + buffer().getInt(i * ENTRY_SIZE);
    }

    int position(int i) {
        return buffer().getInt(i * ENTRY_SIZE + 4);
    }

    /** Appends an entry; offsets must increase. Returns false if the index is full. */
    boolean append(long offset, int position) {
        int n = entries();
        if (!hasRoom()) {
            return false;
        }
        if (n > 0 && offset <= key(n - 1)) {
            throw new IllegalArgumentException("Offset index entries must increase: file=" + file + ", offset="
                    + offset + ", last=" + key(n - 1));
        }
        reserveOrFail(n);
        buffer().putInt(n * ENTRY_SIZE, Math.toIntExact(offset - baseOffset));
        buffer().putInt(n * ENTRY_SIZE + 4, position);
        commitEntry();
        return true;
    }

    /** The file position of the last indexed batch that ends at or before {@code offset}, or 0. */
    int lookup(long offset) {
        int i = largestLowerBound(offset, Math.max(0, entries()));
        return i < 0 ? 0 : position(i);
    }

    /** Drops the entries for offsets at or after {@code offset}. */
    void truncateTo(long offset) {
        int n = Math.max(0, entries());
        int keep = largestLowerBound(offset - 1, n) + 1;
        truncateToEntries(keep);
    }

    long lastOffset() {
        int n = entries();
        return n <= 0 ? baseOffset : key(n - 1);
    }

    /**
     * Checks a whole number of entries, then increasing offsets from the base offset and positions inside the log:
     * for every entry if {@code full}, else for the last one (cheap, for the many segments of a clean restart).
     * Returns the problem, or null.
     */
    String sanityCheck(long logSizeBytes, boolean full) {
        int n = entries();
        if (n < 0) {
            return "length is not a multiple of " + ENTRY_SIZE;
        }
        long previousOffset = baseOffset - 1;
        int previousPosition = -1;
        for (int i = full ? 0 : Math.max(0, n - 1); i < n; i++) {
            long offset = key(i);
            int position = position(i);
            if (offset <= previousOffset || position <= previousPosition || position >= logSizeBytes) {
                return "entry " + i + " out of order or past the log: offset=" + offset + ", position=" + position;
            }
            previousOffset = offset;
            previousPosition = position;
        }
        return null;
    }
}
