package io.sluice.broker.internal.log;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.apache.kafka.common.utils.ByteBufferUnmapper;

/**
 * A memory-mapped file of fixed-size entries, appended in order by one writer and binary-searched by any number of
 * readers.
 *
 * <p>An index that can still grow is preallocated to its maximum size; {@link #trim()} cuts the file to its entries
 * when the segment stops growing. The mapping itself is kept until {@link #close()}: readers only touch
 * {@code entries * entrySize} bytes, which stay inside the file. A reader reads the volatile entry count first,
 * so the entry bytes written before the count was raised are visible to it.
 *
 * <p>A preallocated file is sparse: the disk blocks under an entry are only allocated when the entry is first
 * written. Written through the mapping on a full disk, that kills the JVM with SIGBUS (an {@code InternalError}
 * where the JVM can turn it into one); so each page is first written with zeros through the channel, which fails
 * with an {@code IOException} instead ({@link #reserve}).
 */
abstract class MappedIndex implements Closeable {
    /** The unit in which a file gets disk blocks, and a mapping faults: the page size of the machines we run on. */
    private static final int PAGE_BYTES = 4096;
    final Path file;
    final long baseOffset;
    private final int entrySize;
    private final int maxEntries;
    private final FileChannel channel;
    private MappedByteBuffer mmap;
    private volatile int entries;
    /** How much of the file, from its start, has disk blocks under it: entries are only written below this. */
    private long allocatedBytes;

    /**
     * Opens or creates the index file. A writable index is (re)sized to {@code maxIndexBytes} rounded down to whole
     * entries; a read-only one is mapped as it is. Existing entries are taken from the file length, or — for a
     * preallocated file — must be supplied later by a rebuild.
     */
    MappedIndex(Path file, long baseOffset, int maxIndexBytes, int entrySize, boolean writable) {
        this.file = file;
        this.baseOffset = baseOffset;
        this.entrySize = entrySize;
        FileChannel ch = null;
        try {
            ch = writable
                    ? FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                            StandardOpenOption.WRITE)
                    : FileChannel.open(file, StandardOpenOption.READ);
            long length = ch.size();
            // What the file held before it was preallocated was written, so its pages have blocks.
            this.allocatedBytes = Math.min(roundUpToPage(length), (long) Integer.MAX_VALUE);
            int existing = (int) Math.min(Integer.MAX_VALUE, length / entrySize);
            long mappedBytes;
            if (writable) {
                int max = Math.max(entrySize, maxIndexBytes / entrySize * entrySize);
                mappedBytes = Math.max(max, (long) existing * entrySize);
                if (length != mappedBytes) {
                    try (var raf = new java.io.RandomAccessFile(file.toFile(), "rw")) {
                        raf.setLength(mappedBytes);
                    }
                }
                this.mmap = ch.map(FileChannel.MapMode.READ_WRITE, 0, mappedBytes);
            } else {
                mappedBytes = (long) existing * entrySize;
                this.mmap = ch.map(FileChannel.MapMode.READ_ONLY, 0, mappedBytes);
            }
            this.maxEntries = (int) (mappedBytes / entrySize);
            this.channel = ch;
            this.entries = length % entrySize == 0 ? existing : -1;
        } catch (IOException e) {
            closeQuietly(ch);
            throw new UncheckedIOException("Cannot open index: file=" + file, e);
        }
    }

    /** Entries in the index, or -1 if the file length was not a whole number of entries (a corrupt file). */
    final int entries() {
        return entries;
    }

    /** Whether a roll is due: no room for the next regular entry. */
    boolean isFull() {
        return entries >= maxEntries;
    }

    final int capacity() {
        return maxEntries;
    }

    final boolean hasRoom() {
        return entries < maxEntries;
    }

    final boolean isEmpty() {
        return entries <= 0;
    }

    final MappedByteBuffer buffer() {
        return mmap;
    }

    final int entrySize() {
        return entrySize;
    }

    /**
     * Makes sure entry {@code i} has disk blocks under it before it is written through the mapping, by writing
     * zeros through the channel to the pages it falls on, and those before them that have none.
     *
     * @throws IOException if the disk is full, or cannot be written
     */
    final void reserve(int i) throws IOException {
        long end = (long) (i + 1) * entrySize;
        if (end <= allocatedBytes) {
            return;
        }
        long from = allocatedBytes;
        ByteBuffer zeros = ByteBuffer.allocate((int) (Math.min(roundUpToPage(end), mmap.capacity()) - from));
        while (zeros.hasRemaining()) {
            channel.write(zeros, from + zeros.position());
        }
        allocatedBytes = from + zeros.capacity();
    }

    /** {@link #reserve} for the entry that would be appended next, if there is room for one. */
    final void reserveNext() throws IOException {
        int n = Math.max(0, entries);
        if (n < maxEntries) {
            reserve(n);
        }
    }

    /** {@link #reserve} for an append: on a full disk it fails with an {@code UncheckedIOException}, not SIGBUS. */
    final void reserveOrFail(int i) {
        try {
            reserve(i);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot allocate index entry: file=" + file + ", entry=" + i, e);
        }
    }

    private static long roundUpToPage(long bytes) {
        return (bytes + PAGE_BYTES - 1) / PAGE_BYTES * PAGE_BYTES;
    }

    /** Publishes one more entry whose bytes the subclass has just written at {@link #entries()}. */
    final void commitEntry() {
        entries = entries + 1;
    }

    /** Drops every entry from index {@code n} on. Single-writer only. */
    final void truncateToEntries(int n) {
        entries = Math.max(0, Math.min(n, maxEntries));
    }

    /** Index of the last entry whose key is at most {@code target}, or -1; {@code key(i)} must grow with i. */
    final int largestLowerBound(long target, int count) {
        int lo = 0;
        int hi = count - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (key(mid) <= target) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    /** The search key of entry i: the absolute offset for the offset index, the timestamp for the time index. */
    abstract long key(int i);

    /** Cuts the file to its entries; called when the segment stops growing, and on close. */
    final void trim() {
        int n = Math.max(0, entries);
        try {
            if (channel.isOpen() && channel.size() != (long) n * entrySize) {
                channel.truncate((long) n * entrySize);
                allocatedBytes = Math.min(allocatedBytes, (long) n * entrySize);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot trim index: file=" + file, e);
        }
    }

    final void flush() {
        if (mmap.isReadOnly()) {
            return;
        }
        mmap.force();
    }

    /** Trims (if writable), unmaps and closes. Readers must be done with this index. */
    @Override
    public void close() {
        if (!channel.isOpen()) {
            return;
        }
        try {
            if (!mmap.isReadOnly()) {
                trim();
            }
        } finally {
            unmap();
            closeQuietly(channel);
        }
    }

    final void deleteFile() {
        close();
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot delete index: file=" + file, e);
        }
    }

    private void unmap() {
        MappedByteBuffer m = mmap;
        if (m != null) {
            try {
                ByteBufferUnmapper.unmap(file.toString(), m);
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot unmap index: file=" + file, e);
            }
        }
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // nothing more to release
            }
        }
    }
}
