package io.sluice.broker.internal.log;

import java.nio.file.Path;

/**
 * The sparse time index of one segment, in Kafka's layout: 12-byte entries mapping the largest timestamp seen so
 * far to the offset of the record that carried it. Timestamps in the index only increase; an entry is added next to
 * each offset-index entry when the largest timestamp has grown, and once more when the segment is closed.
 *
 * <pre>
 *   0                               8               12
 *   +-------------------------------+---------------+
 *   | timestamp (ms)                | offset - base |   int64, int32 big-endian
 *   +-------------------------------+---------------+
 * </pre>
 *
 * Single writer, concurrent readers.
 */
final class TimeIndex extends MappedIndex {
    static final int ENTRY_SIZE = 12;

    TimeIndex(Path file, long baseOffset, int maxIndexBytes, boolean writable) {
        super(file, baseOffset, maxIndexBytes, ENTRY_SIZE, writable);
    }

    @Override
    long key(int i) {
        return buffer().getLong(i * ENTRY_SIZE);
    }

    long offset(int i) {
        return baseOffset + buffer().getInt(i * ENTRY_SIZE + 8);
    }

    /** One slot stays free so that the final entry written when the segment stops growing always fits. */
    @Override
    boolean isFull() {
        return entries() >= capacity() - 1;
    }

    /** Appends an entry if {@code timestamp} is larger than the last one; returns false only when full. */
    boolean maybeAppend(long timestamp, long offset) {
        int n = entries();
        if (n > 0 && (timestamp <= key(n - 1) || offset < offset(n - 1))) {
            return true;
        }
        if (!hasRoom()) {
            return false;
        }
        reserveOrFail(n);
        buffer().putLong(n * ENTRY_SIZE, timestamp);
        buffer().putInt(n * ENTRY_SIZE + 8, Math.toIntExact(offset - baseOffset));
        commitEntry();
        return true;
    }

    /** The offset from which a search for the first record at or after {@code timestamp} must start. */
    long lookup(long timestamp) {
        int i = largestLowerBound(timestamp, Math.max(0, entries()));
        return i < 0 ? baseOffset : offset(i);
    }

    long lastTimestamp() {
        int n = entries();
        return n <= 0 ? -1L : key(n - 1);
    }

    /** Drops the entries for offsets at or after {@code offset}. */
    void truncateTo(long offset) {
        int n = Math.max(0, entries());
        int keep = n;
        while (keep > 0 && offset(keep - 1) >= offset) {
            keep--;
        }
        truncateToEntries(keep);
    }

    /**
     * Checks a whole number of entries, then increasing timestamps and offsets within [base, lastOffset]: for every
     * entry if {@code full}, else for the last one. Returns the problem, or null.
     */
    String sanityCheck(long lastOffset, boolean full) {
        int n = entries();
        if (n < 0) {
            return "length is not a multiple of " + ENTRY_SIZE;
        }
        long previousTimestamp = Long.MIN_VALUE;
        long previousOffset = baseOffset;
        for (int i = full ? 0 : Math.max(0, n - 1); i < n; i++) {
            long timestamp = key(i);
            long offset = offset(i);
            if (timestamp <= previousTimestamp || offset < previousOffset || offset > lastOffset) {
                return "entry " + i + " out of order or past the log: timestamp=" + timestamp + ", offset=" + offset;
            }
            previousTimestamp = timestamp;
            previousOffset = offset;
        }
        return null;
    }
}
