package io.sluice.engine.internal.state;

import io.sluice.broker.StorageException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.stream.Stream;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteOptions;

/**
 * One RocksDB database of serialized keys and values, in bytewise key order, plus the changelog entries written
 * since the last flush. The directory is emptied on open: the store is rebuilt from its changelog, which is the
 * source of truth. Thread-safe for reads (queries); written by one task thread.
 */
final class RocksTable implements AutoCloseable {
    static {
        RocksDB.loadLibrary();
    }

    private final Path dir;
    private final Options options;
    private final WriteOptions writeOptions;
    private final RocksDB db;
    private final Map<Bytes, byte[]> dirty = new LinkedHashMap<>();
    /** Queries may run while the task closes the store: no call may reach a closed native handle. */
    private final java.util.concurrent.locks.ReentrantReadWriteLock lifecycle =
            new java.util.concurrent.locks.ReentrantReadWriteLock();
    private boolean closed;

    /** Changelog keys compare by content. */
    record Bytes(byte[] bytes) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Bytes b && java.util.Arrays.equals(bytes, b.bytes);
        }

        @Override
        public int hashCode() {
            return java.util.Arrays.hashCode(bytes);
        }
    }

    RocksTable(Path dir) {
        this.dir = dir;
        Options opts = new Options().setCreateIfMissing(true);
        // The changelog makes the data durable: no write-ahead log.
        WriteOptions writes = new WriteOptions().setDisableWAL(true);
        try {
            deleteRecursively(dir);
            Files.createDirectories(dir);
            db = RocksDB.open(opts, dir.toString());
        } catch (IOException | RocksDBException e) {
            writes.close();
            opts.close();
            throw new StorageException("Cannot open RocksDB store in " + dir + ": " + e.getMessage(), e);
        }
        options = opts;
        writeOptions = writes;
    }

    byte[] get(byte[] key) {
        lifecycle.readLock().lock();
        try {
            ensureOpen();
            return db.get(key);
        } catch (RocksDBException e) {
            throw failure("read", e);
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("RocksDB store is closed: " + dir
                    + " (its task stopped or moved; query again)");
        }
    }

    /** Writes or (value null) deletes a key, and notes {@code changelogKey} for the next flush. */
    void put(byte[] key, byte[] value, byte[] changelogKey) {
        lifecycle.readLock().lock();
        try {
            ensureOpen();
            if (value == null) {
                db.delete(writeOptions, key);
            } else {
                db.put(writeOptions, key, value);
            }
        } catch (RocksDBException e) {
            throw failure("write", e);
        } finally {
            lifecycle.readLock().unlock();
        }
        if (changelogKey != null) {
            dirty.put(new Bytes(changelogKey), value);
        }
    }

    /** Applies a changelog record without noting it. */
    void restore(byte[] key, byte[] value) {
        put(key, value, null);
    }

    /** Entries with keys in {@code [from, to)} (null: unbounded) until {@code visitor} has seen enough. */
    void scan(byte[] from, byte[] to, BiConsumer<byte[], byte[]> visitor) {
        lifecycle.readLock().lock();
        try (RocksIterator it = openIterator()) {
            if (from == null) {
                it.seekToFirst();
            } else {
                it.seek(from);
            }
            while (it.isValid()) {
                byte[] key = it.key();
                if (to != null && java.util.Arrays.compareUnsigned(key, to) >= 0) {
                    break;
                }
                visitor.accept(key, it.value());
                it.next();
            }
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    private RocksIterator openIterator() {
        ensureOpen();
        return db.newIterator();
    }

    long estimatedSize() {
        lifecycle.readLock().lock();
        try {
            ensureOpen();
            return db.getLongProperty("rocksdb.estimate-num-keys");
        } catch (RocksDBException e) {
            throw failure("read", e);
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /** The changelog entries written since the last call. */
    Map<Bytes, byte[]> takeDirty() {
        Map<Bytes, byte[]> taken = new LinkedHashMap<>(dirty);
        dirty.clear();
        return taken;
    }

    private StorageException failure(String what, RocksDBException e) {
        return new StorageException("RocksDB " + what + " failed in " + dir + ": " + e.getMessage(), e);
    }

    @Override
    public void close() {
        lifecycle.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            db.close();
            writeOptions.close();
            options.close();
        } finally {
            lifecycle.writeLock().unlock();
        }
        try {
            deleteRecursively(dir);
        } catch (IOException e) {
            // left for the next open, which empties it too
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** The smallest key greater than every key that starts with {@code prefix}, or null if there is none. */
    static byte[] after(byte[] prefix) {
        byte[] next = prefix.clone();
        for (int i = next.length - 1; i >= 0; i--) {
            if (next[i] != (byte) 0xff) {
                next[i]++;
                return java.util.Arrays.copyOf(next, i + 1);
            }
        }
        return null;
    }
}
