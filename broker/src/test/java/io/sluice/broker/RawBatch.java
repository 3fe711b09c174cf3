package io.sluice.broker;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.utils.ByteBufferOutputStream;
import org.apache.kafka.common.utils.Crc32C;

/**
 * A RecordBatch v2 written byte by byte, so that a test can store a batch whose CRC32C is right but whose inside is
 * not: the header is Kafka's, the records are whatever the test puts there.
 *
 * <pre>
 *   0 baseOffset:int64 | 8 batchLength:int32 | 12 leaderEpoch:int32 | 16 magic:int8 | 17 crc:uint32 |
 *   21 attributes:int16 | 23 lastOffsetDelta:int32 | 27 baseTimestamp:int64 | 35 maxTimestamp:int64 |
 *   43 producerId:int64 | 51 producerEpoch:int16 | 53 baseSequence:int32 | 57 recordCount:int32 | 61 records
 * </pre>
 *
 * The CRC covers the bytes from the attributes to the end.
 */
public final class RawBatch {
    static final int HEADER_BYTES = 61;
    private static final long TIMESTAMP = 1_700_000_000_000L;

    private final ByteArrayOutputStream records = new ByteArrayOutputStream();
    private int recordCount;
    private int lastOffsetDelta = -1;

    /** A record: length, attributes, timestamp delta 0, the offset delta, key, value, no headers. */
    public RawBatch record(int offsetDelta, String key, String value) {
        Body body = new Body().offsetDelta(offsetDelta).bytes(key).bytes(value).varint(0);
        return add(offsetDelta, body.size(), body);
    }

    /** A record whose body is given field by field; its length is the body's unless {@code claimedLength} ≥ 0. */
    public RawBatch record(int offsetDelta, Body body, int claimedLength) {
        return add(offsetDelta, claimedLength >= 0 ? claimedLength : body.size(), body);
    }

    private RawBatch add(int offsetDelta, int length, Body body) {
        writeVarint(records, length);
        records.writeBytes(body.out.toByteArray());
        recordCount++;
        lastOffsetDelta = Math.max(lastOffsetDelta, offsetDelta);
        return this;
    }

    /** The batch, uncompressed. */
    public byte[] build(long baseOffset) {
        return build(baseOffset, CompressionType.NONE, records.toByteArray());
    }

    /** The batch with its records compressed by {@code type}. */
    public byte[] buildCompressed(long baseOffset, CompressionType type) throws IOException {
        ByteBufferOutputStream compressed = new ByteBufferOutputStream(1024);
        try (OutputStream out = Compression.of(type).build().wrapForOutput(compressed, RecordBatch.MAGIC_VALUE_V2)) {
            out.write(records.toByteArray());
        }
        ByteBuffer buffer = compressed.buffer().flip();
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return build(baseOffset, type, bytes);
    }

    /** The batch flagged as compressed by {@code type}, with its records left as they are: not that codec's bytes. */
    public byte[] buildFlaggedAs(long baseOffset, CompressionType type) {
        return build(baseOffset, type, records.toByteArray());
    }

    /** A batch of one record whose records section is {@code recordBytes}, flagged as compressed by {@code type}. */
    public static byte[] ofRecordBytes(long baseOffset, CompressionType type, byte[] recordBytes) {
        RawBatch batch = new RawBatch();
        batch.recordCount = 1;
        batch.lastOffsetDelta = 0;
        return batch.build(baseOffset, type, recordBytes);
    }

    private byte[] build(long baseOffset, CompressionType type, byte[] recordBytes) {
        ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES + recordBytes.length);
        b.putLong(baseOffset);
        b.putInt(b.capacity() - 12);
        b.putInt(0);
        b.put(RecordBatch.MAGIC_VALUE_V2);
        b.putInt(0); // the CRC, below
        b.putShort((short) type.id);
        b.putInt(lastOffsetDelta);
        b.putLong(TIMESTAMP);
        b.putLong(TIMESTAMP);
        b.putLong(RecordBatch.NO_PRODUCER_ID);
        b.putShort(RecordBatch.NO_PRODUCER_EPOCH);
        b.putInt(RecordBatch.NO_SEQUENCE);
        b.putInt(recordCount);
        b.put(recordBytes);
        byte[] bytes = b.array();
        long crc = Crc32C.compute(bytes, 21, bytes.length - 21);
        ByteBuffer.wrap(bytes).putInt(17, (int) crc);
        return bytes;
    }

    /** Appends {@code batch} to the segment file; returns the file position it starts at. */
    public static long appendTo(Path segment, byte[] batch) throws IOException {
        long position = Files.size(segment);
        Files.write(segment, batch, StandardOpenOption.APPEND);
        return position;
    }

    /** The offset after the last batch of a segment file: where a batch appended to it starts. */
    public static long nextOffset(Path segment) throws IOException {
        long next = 0;
        try (FileRecords records = FileRecords.open(segment.toFile(), false)) {
            for (RecordBatch batch : records.batches()) {
                next = batch.lastOffset() + 1;
            }
        }
        return next;
    }

    /** A record's body, field by field, each field as it is or as a test breaks it. */
    public static final class Body {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        public Body() {
            out.write(0); // attributes
            writeVarint(out, 0); // timestamp delta (a varlong; 0 takes one byte either way)
        }

        public Body offsetDelta(int delta) {
            return varint(delta);
        }

        /** A length-prefixed UTF-8 field; null is length -1. */
        public Body bytes(String s) {
            if (s == null) {
                return varint(-1);
            }
            byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
            varint(utf8.length);
            out.writeBytes(utf8);
            return this;
        }

        public Body varint(int value) {
            writeVarint(out, value);
            return this;
        }

        int size() {
            return out.size();
        }
    }

    /** Kafka's zigzag varint. */
    static void writeVarint(ByteArrayOutputStream out, int value) {
        int v = (value << 1) ^ (value >> 31);
        while ((v & 0xffffff80) != 0) {
            out.write((v & 0x7f) | 0x80);
            v >>>= 7;
        }
        out.write(v);
    }
}
