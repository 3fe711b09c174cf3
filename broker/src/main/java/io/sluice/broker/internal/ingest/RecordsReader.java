package io.sluice.broker.internal.ingest;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;

/**
 * Reads the records of a batch field by field, in place from the batch's bytes or streamed from a decompressor in
 * chunks, bounded: no read goes past {@link #remaining()}, and skipped bytes are stepped over, never copied out.
 * Not thread-safe: one per batch being read.
 */
final class RecordsReader {
    private final InputStream in;
    private final byte[] chunkBytes;
    private ByteBuffer chunk;
    private final long limit;
    private long consumed;
    private boolean ended;

    /** Reads the uncompressed records in {@code records}' position to limit. */
    RecordsReader(ByteBuffer records) {
        this.in = null;
        this.chunkBytes = null;
        this.chunk = records;
        this.limit = records.remaining();
    }

    /** Reads records as {@code in} inflates them, {@code chunk} at a time, refusing more than {@code limit}. */
    RecordsReader(InputStream in, byte[] chunk, long limit) {
        this.in = in;
        this.chunkBytes = chunk;
        this.chunk = ByteBuffer.wrap(chunk, 0, 0);
        this.limit = limit;
    }

    /** Bytes read so far. */
    long consumed() {
        return consumed;
    }

    /** The most bytes there may still be. */
    long remaining() {
        return limit - consumed;
    }

    /** Whether every byte has been read. */
    boolean atEnd() {
        return !chunk.hasRemaining() && !refill();
    }

    int readByte() {
        if (!chunk.hasRemaining() && !refill()) {
            throw new MalformedException("the records end in the middle of a record");
        }
        consumed++;
        return chunk.get();
    }

    /** A zigzag-encoded varint of at most 5 bytes, as Kafka's {@code ByteUtils.readVarint}. */
    int readVarint() {
        int value = 0;
        int shift = 0;
        int b;
        while (((b = readByte()) & 0x80) != 0) {
            value |= (b & 0x7f) << shift;
            shift += 7;
            if (shift > 28) {
                throw new MalformedException("a varint runs over 5 bytes");
            }
        }
        value |= b << shift;
        return (value >>> 1) ^ -(value & 1);
    }

    /** A zigzag-encoded varlong of at most 10 bytes. */
    long readVarlong() {
        long value = 0;
        int shift = 0;
        long b;
        while (((b = readByte()) & 0x80) != 0) {
            value |= (b & 0x7f) << shift;
            shift += 7;
            if (shift > 63) {
                throw new MalformedException("a varlong runs over 10 bytes");
            }
        }
        value |= b << shift;
        return (value >>> 1) ^ -(value & 1);
    }

    /** Steps over {@code n} bytes, which the caller has checked against {@link #remaining()}. */
    void skip(int n) {
        int left = n;
        while (left > 0) {
            if (!chunk.hasRemaining() && !refill()) {
                throw new MalformedException("the records end in the middle of a record");
            }
            int step = Math.min(left, chunk.remaining());
            chunk.position(chunk.position() + step);
            left -= step;
        }
        consumed += n;
    }

    /** Inflates the next chunk; false at the end of the stream (or of uncompressed records). */
    private boolean refill() {
        if (in == null || ended) {
            return false;
        }
        if (consumed >= limit) {
            // Whatever is left would take the records past the limit: a byte more is proof enough.
            if (read(1) > 0) {
                throw new MalformedException("the records inflate to more than " + limit + " bytes");
            }
            ended = true;
            return false;
        }
        int n = read((int) Math.min(chunkBytes.length, limit - consumed));
        if (n < 0) {
            ended = true;
            return false;
        }
        chunk = ByteBuffer.wrap(chunkBytes, 0, n);
        return true;
    }

    private int read(int max) {
        try {
            int n;
            do {
                n = in.read(chunkBytes, 0, max);
            } while (n == 0);
            return n;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Bytes that cannot be records; its message says which field. Carries no stack trace: it is about data. */
    static final class MalformedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        MalformedException(String message) {
            super(message, null, false, false);
        }
    }
}
