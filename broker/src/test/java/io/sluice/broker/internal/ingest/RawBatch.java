package io.sluice.broker.internal.ingest;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.utils.ByteBufferOutputStream;
import org.apache.kafka.common.utils.ByteUtils;
import org.apache.kafka.common.utils.Crc32C;

/**
 * Record batches written field by field, so that a test can give any field any value — what a producer should
 * never send — with a CRC-32C that matches, so that they pass the outer checks. Layouts as in
 * {@link BatchValidator}'s class doc.
 */
public final class RawBatch {
    public static final int HEADER_BYTES = 61;

    public int count = 1;
    public int lastOffsetDelta = 0;
    public short attributes = 0;
    public long baseOffset = 0;
    public long baseTimestamp = 1_000;
    public long maxTimestamp = 1_000;
    public long producerId = -1;
    public short producerEpoch = -1;
    public int baseSequence = -1;
    public byte magic = RecordBatch.MAGIC_VALUE_V2;
    /** The records section as stored: compressed already when the attributes say so. */
    public byte[] records = new byte[0];

    /** A batch holding these records uncompressed, with count and last offset delta to match. */
    public static RawBatch of(byte[]... records) {
        RawBatch b = new RawBatch();
        b.records = concat(records);
        b.count = records.length;
        b.lastOffsetDelta = records.length - 1;
        return b;
    }

    /** Compresses the records section with {@code type} and says so in the attributes. */
    public RawBatch compressed(CompressionType type) {
        records = compress(records, type);
        attributes = (short) ((attributes & ~0x07) | type.id);
        return this;
    }

    /** The batch's bytes with its length and CRC as they should be. */
    public ByteBuffer bytes() {
        ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES + records.length);
        b.putLong(baseOffset).putInt(HEADER_BYTES - 12 + records.length).putInt(0).put(magic).putInt(0)
                .putShort(attributes).putInt(lastOffsetDelta).putLong(baseTimestamp).putLong(maxTimestamp)
                .putLong(producerId).putShort(producerEpoch).putInt(baseSequence).putInt(count).put(records);
        b.flip();
        return withCrc(b);
    }

    /** Sets the CRC-32C a batch's bytes need (from the attributes to its end); returns it. */
    public static ByteBuffer withCrc(ByteBuffer batch) {
        long crc = Crc32C.compute(batch, 21, batch.remaining() - 21);
        batch.putInt(batch.position() + 17, (int) crc);
        return batch;
    }

    /** One record, field by field: null key or value as length -1; headers as key, value pairs. */
    public static byte[] record(long timestampDelta, int offsetDelta, byte[] key, byte[] value, byte[]... headers) {
        ByteBuffer body = ByteBuffer.allocate(64 + length(key) + length(value) + length(headers));
        body.put((byte) 0);
        ByteUtils.writeVarlong(timestampDelta, body);
        ByteUtils.writeVarint(offsetDelta, body);
        writeBytes(key, body);
        writeBytes(value, body);
        ByteUtils.writeVarint(headers.length / 2, body);
        for (byte[] h : headers) {
            writeBytes(h, body);
        }
        body.flip();
        return withLength(body.remaining(), body);
    }

    /** The body as a record whose length field says {@code claimedLength}. */
    public static byte[] withLength(int claimedLength, ByteBuffer body) {
        ByteBuffer out = ByteBuffer.allocate(5 + body.remaining());
        ByteUtils.writeVarint(claimedLength, out);
        out.put(body.duplicate());
        return java.util.Arrays.copyOf(out.array(), out.position());
    }

    public static byte[] varint(int value) {
        ByteBuffer out = ByteBuffer.allocate(5);
        ByteUtils.writeVarint(value, out);
        return java.util.Arrays.copyOf(out.array(), out.position());
    }

    public static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        ByteBuffer out = ByteBuffer.allocate(n);
        for (byte[] p : parts) {
            out.put(p);
        }
        return out.array();
    }

    public static byte[] compress(byte[] bytes, CompressionType type) {
        ByteBufferOutputStream buffer = new ByteBufferOutputStream(bytes.length / 2 + 64);
        try (OutputStream out = Compression.of(type).build().wrapForOutput(buffer, RecordBatch.MAGIC_VALUE_V2)) {
            out.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ByteBuffer b = buffer.buffer().flip();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    private static void writeBytes(byte[] bytes, ByteBuffer out) {
        if (bytes == null) {
            ByteUtils.writeVarint(-1, out);
        } else {
            ByteUtils.writeVarint(bytes.length, out);
            out.put(bytes);
        }
    }

    private static int length(byte[]... arrays) {
        int n = 0;
        for (byte[] a : arrays) {
            n += a == null ? 0 : a.length + 5;
        }
        return n;
    }
}
