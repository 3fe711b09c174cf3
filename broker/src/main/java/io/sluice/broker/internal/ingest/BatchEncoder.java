package io.sluice.broker.internal.ingest;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.DefaultRecord;
import org.apache.kafka.common.record.DefaultRecordBatch;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.utils.ByteUtils;

/**
 * Encodes records into one uncompressed RecordBatch v2: records without headers are written here straight into
 * an array, those with headers by kafka-clients' {@link DefaultRecord#writeTo}, and the header and its CRC32C by
 * {@link DefaultRecordBatch#writeHeader}. The bytes are the ones {@code MemoryRecordsBuilder} produces (a test
 * checks it), written several times as fast. Reused for every batch of a journal; not thread-safe.
 *
 * <pre>
 *   RecordBatch v2 = baseOffset:int64 batchLength:int32 partitionLeaderEpoch:int32 magic:int8 crc:uint32
 *                    attributes:int16 lastOffsetDelta:int32 baseTimestamp:int64 maxTimestamp:int64
 *                    producerId:int64 producerEpoch:int16 baseSequence:int32 recordCount:int32 records…
 *   (61 header bytes; the CRC covers attributes to the end)
 * </pre>
 */
public final class BatchEncoder {
    /** A record's bytes beyond key, value and headers are at most this many (Kafka's bound). */
    static final int MAX_RECORD_OVERHEAD = DefaultRecord.MAX_RECORD_OVERHEAD;

    private static final int VIEW_BYTES = 1024;

    private final ArrayOutput out;
    private final DataOutputStream data;
    private final ByteBuffer keyView = ByteBuffer.allocate(VIEW_BYTES);
    private final ByteBuffer valueView = ByteBuffer.allocate(VIEW_BYTES);
    /** Where the current batch starts in the array: a run may hold several batches. */
    private int batchStart;
    private long baseTimestamp;
    private int count;

    /** An encoder for a journal, with room for a full batch. */
    BatchEncoder() {
        this(PartitionWriter.MAX_BATCH_BYTES + 64 * 1024);
    }

    /** An encoder whose array starts at {@code initialBytes} and grows as needed. */
    public BatchEncoder(int initialBytes) {
        out = new ArrayOutput(initialBytes);
        data = new UnsynchronizedDataOutput(out);
    }

    /** Starts a new, empty run. */
    void startRun() {
        out.position = 0;
        batchStart = 0;
        count = 0;
    }

    /** Starts a new run with a batch whose first record has {@code firstTimestamp}. */
    public void begin(long firstTimestamp) {
        startRun();
        beginAnother(firstTimestamp);
    }

    /** Starts another batch after the run's batches so far. */
    void beginAnother(long firstTimestamp) {
        batchStart = out.position;
        out.ensureCapacity(DefaultRecordBatch.RECORD_BATCH_OVERHEAD);
        out.position += DefaultRecordBatch.RECORD_BATCH_OVERHEAD;
        baseTimestamp = firstTimestamp;
        count = 0;
    }

    /** The bytes of the current batch so far. */
    public int sizeInBytes() {
        return out.position - batchStart;
    }

    /** The bytes of the run so far. */
    int runSizeInBytes() {
        return out.position;
    }

    /** An upper bound of the bytes a record adds to a batch. */
    public static int estimateSize(byte[] key, byte[] value, Header[] headers) {
        int size = MAX_RECORD_OVERHEAD + (key == null ? 0 : key.length) + (value == null ? 0 : value.length);
        for (Header h : headers) {
            size += 10 + h.key().length() * 3 + (h.value() == null ? 0 : h.value().length);
        }
        return size;
    }

    /** Appends a record with offset {@code base + count}. */
    public void append(long timestamp, byte[] key, byte[] value, Header[] headers) {
        out.ensureCapacity(estimateSize(key, value, headers));
        if (headers.length == 0) {
            appendWithoutHeaders(timestamp - baseTimestamp, key, value);
        } else {
            try {
                DefaultRecord.writeTo(data, count, timestamp - baseTimestamp, view(keyView, key),
                        view(valueView, value), headers);
            } catch (IOException e) {
                throw new UncheckedIOException(e); // an array does not fail
            }
        }
        count++;
    }

    /**
     * The common record, written straight into the array: {@code DefaultRecord.writeTo} goes through a
     * {@code DataOutput} a byte at a time, which made encoding most of the journal's work. Same bytes (the test
     * compares them with Kafka's builder):
     * <pre>
     *   length:varint attributes:int8 timestampDelta:varlong offsetDelta:varint
     *   keyLength:varint key valueLength:varint value headerCount:varint (all varints zig-zag)
     * </pre>
     */
    private void appendWithoutHeaders(long timestampDelta, byte[] key, byte[] value) {
        int keyLength = key == null ? -1 : key.length;
        int valueLength = value == null ? -1 : value.length;
        int bodySize = 1 + ByteUtils.sizeOfVarlong(timestampDelta) + ByteUtils.sizeOfVarint(count)
                + ByteUtils.sizeOfVarint(keyLength) + Math.max(keyLength, 0)
                + ByteUtils.sizeOfVarint(valueLength) + Math.max(valueLength, 0)
                + 1; // header count 0
        byte[] a = out.bytes;
        int p = out.position;
        p = writeVarint(a, p, bodySize);
        a[p++] = 0; // attributes: unused in v2
        p = writeVarlong(a, p, timestampDelta);
        p = writeVarint(a, p, count);
        p = writeVarint(a, p, keyLength);
        if (keyLength > 0) {
            System.arraycopy(key, 0, a, p, keyLength);
            p += keyLength;
        }
        p = writeVarint(a, p, valueLength);
        if (valueLength > 0) {
            System.arraycopy(value, 0, a, p, valueLength);
            p += valueLength;
        }
        a[p++] = 0; // zig-zag varint of 0 headers
        out.position = p;
    }

    private static int writeVarint(byte[] a, int p, int value) {
        int v = (value << 1) ^ (value >> 31);
        while ((v & 0xffffff80) != 0) {
            a[p++] = (byte) ((v & 0x7f) | 0x80);
            v >>>= 7;
        }
        a[p++] = (byte) v;
        return p;
    }

    private static int writeVarlong(byte[] a, int p, long value) {
        long v = (value << 1) ^ (value >> 63);
        while ((v & 0xffffffffffffff80L) != 0L) {
            a[p++] = (byte) ((v & 0x7f) | 0x80);
            v >>>= 7;
        }
        a[p++] = (byte) v;
        return p;
    }

    /**
     * The codec takes ByteBuffers; wrapping each array would allocate two per record, so small arrays are copied
     * into a reused buffer instead (a copy of a few hundred bytes costs less than the garbage).
     */
    private ByteBuffer view(ByteBuffer reused, byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        if (bytes.length > reused.capacity()) {
            return ByteBuffer.wrap(bytes);
        }
        reused.clear();
        reused.put(bytes).flip();
        return reused;
    }

    /** Writes the current batch's header (and CRC). */
    void finishBatch(long baseOffset, TimestampType timestampType, long maxTimestamp) {
        int size = out.position - batchStart;
        ByteBuffer buffer = ByteBuffer.wrap(out.bytes, batchStart, size);
        DefaultRecordBatch.writeHeader(buffer, baseOffset, count - 1, size, RecordBatch.CURRENT_MAGIC_VALUE,
                CompressionType.NONE, timestampType, baseTimestamp, maxTimestamp, RecordBatch.NO_PRODUCER_ID,
                RecordBatch.NO_PRODUCER_EPOCH, RecordBatch.NO_SEQUENCE, false, false, false,
                RecordBatch.NO_PARTITION_LEADER_EPOCH, count);
    }

    /** The run's batches; valid until the next {@link #begin}. */
    MemoryRecords run() {
        return MemoryRecords.readableRecords(ByteBuffer.wrap(out.bytes, 0, out.position).slice());
    }

    /** Writes the header and returns the run (here, the one batch); valid until the next {@link #begin}. */
    MemoryRecords finish(long baseOffset, TimestampType timestampType, long maxTimestamp) {
        finishBatch(baseOffset, timestampType, maxTimestamp);
        return run();
    }

    /**
     * Finishes the batch with base offset 0 and create-time timestamps, and returns a copy of it that the caller
     * owns: a producer's batch, whose offsets the journal assigns when it appends it.
     */
    public ByteBuffer finishDetached(long maxTimestamp) {
        finishBatch(0, TimestampType.CREATE_TIME, maxTimestamp);
        return ByteBuffer.wrap(Arrays.copyOfRange(out.bytes, batchStart, out.position));
    }

    /**
     * Copies a finished batch to the end of the run with base offset {@code baseOffset} (outside the CRC, so the
     * batch stays valid); with log-append time, its timestamp type and max timestamp are rewritten, CRC included,
     * and otherwise its max timestamp is made {@code maxTimestamp}, the largest of its records' as validation found
     * it — the same in any batch but one a producer stamped wrongly, whose CRC is then computed again.
     */
    void appendBuilt(ByteBuffer batch, long baseOffset, long logAppendTime, long maxTimestamp) {
        int size = batch.remaining();
        out.ensureCapacity(size);
        int start = out.position;
        batch.get(batch.position(), out.bytes, start, size);
        out.position += size;
        MutableRecordBatch copy = MemoryRecords.readableRecords(ByteBuffer.wrap(out.bytes, start, size).slice())
                .batches().iterator().next();
        copy.setLastOffset(baseOffset + copy.lastOffset() - copy.baseOffset());
        if (logAppendTime != RecordBatch.NO_TIMESTAMP) {
            copy.setMaxTimestamp(TimestampType.LOG_APPEND_TIME, logAppendTime);
        } else {
            copy.setMaxTimestamp(TimestampType.CREATE_TIME, maxTimestamp); // a no-op when it is already so
        }
    }

    /**
     * {@link DataOutputStream}'s array and byte writes are {@code synchronized}: without biased locking (gone since
     * JDK 15) that is an atomic operation per key and per value. The encoder is single-threaded, so these go
     * straight to the array.
     */
    private static final class UnsynchronizedDataOutput extends DataOutputStream {
        private final ArrayOutput array;

        UnsynchronizedDataOutput(ArrayOutput array) {
            super(array);
            this.array = array;
        }

        @Override
        public void write(int b) {
            array.write(b);
            written++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            array.write(b, off, len);
            written += len;
        }
    }

    /** An output stream over a growable array; the JIT inlines its writes. */
    private static final class ArrayOutput extends OutputStream {
        byte[] bytes;
        int position;

        ArrayOutput(int capacity) {
            bytes = new byte[capacity];
        }

        void ensureCapacity(int more) {
            if (position + more > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, position + more));
            }
        }

        @Override
        public void write(int b) {
            bytes[position++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            System.arraycopy(b, off, bytes, position, len);
            position += len;
        }
    }
}
