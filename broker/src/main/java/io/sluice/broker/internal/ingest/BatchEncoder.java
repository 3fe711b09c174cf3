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
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.TimestampType;

/**
 * Encodes records into one uncompressed RecordBatch v2 with kafka-clients' codec: {@link DefaultRecord#writeTo}
 * for each record and {@link DefaultRecordBatch#writeHeader} for the header and its CRC32C. The bytes are the ones
 * {@code MemoryRecordsBuilder} produces (a test checks it), written twice as fast: the records go to a plain
 * array rather than through a {@code ByteBufferOutputStream}. Reused for every batch of a journal; not thread-safe.
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

    private final ArrayOutput out = new ArrayOutput(PartitionWriter.MAX_BATCH_BYTES + 64 * 1024);
    private final DataOutputStream data = new UnsynchronizedDataOutput(out);
    private final ByteBuffer keyView = ByteBuffer.allocate(VIEW_BYTES);
    private final ByteBuffer valueView = ByteBuffer.allocate(VIEW_BYTES);
    private long baseTimestamp;
    private int count;

    /** Starts a new batch whose first record has {@code firstTimestamp}. */
    void begin(long firstTimestamp) {
        out.position = DefaultRecordBatch.RECORD_BATCH_OVERHEAD;
        baseTimestamp = firstTimestamp;
        count = 0;
    }

    int sizeInBytes() {
        return out.position;
    }

    int count() {
        return count;
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
    void append(long timestamp, byte[] key, byte[] value, Header[] headers) {
        out.ensureCapacity(estimateSize(key, value, headers));
        try {
            DefaultRecord.writeTo(data, count, timestamp - baseTimestamp, view(keyView, key),
                    view(valueView, value), headers);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // an array does not fail
        }
        count++;
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

    /** Writes the header and returns the batch; valid until the next {@link #begin}. */
    MemoryRecords finish(long baseOffset, TimestampType timestampType, long maxTimestamp) {
        ByteBuffer buffer = ByteBuffer.wrap(out.bytes, 0, out.position);
        DefaultRecordBatch.writeHeader(buffer, baseOffset, count - 1, out.position, RecordBatch.CURRENT_MAGIC_VALUE,
                CompressionType.NONE, timestampType, baseTimestamp, maxTimestamp, RecordBatch.NO_PRODUCER_ID,
                RecordBatch.NO_PRODUCER_EPOCH, RecordBatch.NO_SEQUENCE, false, false, false,
                RecordBatch.NO_PARTITION_LEADER_EPOCH, count);
        return MemoryRecords.readableRecords(ByteBuffer.wrap(out.bytes, 0, out.position).slice());
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
