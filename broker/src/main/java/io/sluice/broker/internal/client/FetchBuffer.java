package io.sluice.broker.internal.client;

import io.sluice.broker.ConsumerRecord;
import io.sluice.broker.CorruptLogException;
import io.sluice.broker.Header;
import io.sluice.broker.StorageException;
import io.sluice.broker.TimestampType;
import io.sluice.broker.TopicPartition;
import io.sluice.broker.internal.log.StoredBatches;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.DefaultRecordBatch;
import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;

/**
 * Batches read from one partition's log and decoded into records as the consumer asks for them. The bytes are
 * copied once, from the page cache into a reused buffer; keys and values are copied out per record. Batches are
 * validated by kafka-clients (sizes, CRC32C); the records of an uncompressed v2 batch — all that sluice writes —
 * are decoded here straight from the buffer's array, without the intermediate objects of {@code DefaultRecord}.
 * Not thread-safe.
 */
final class FetchBuffer {
    private static final byte[] NO_BYTES = new byte[0];
    private final TopicPartition topicPartition;
    private final boolean checkCrcs;
    private ByteBuffer bytes;
    private Iterator<MutableRecordBatch> batches;
    private MutableRecordBatch batch;
    private Iterator<Record> records;
    private Path file;
    private long fileStart;
    /** Where the current batch starts in {@code bytes}, and where the next one does. */
    private int batchStart;
    private int nextBatchStart;
    /** The fast path's cursor in the current batch: next record position and records left; -1 when not in use. */
    private int recordPosition;
    private int recordsLeft = -1;
    private long baseOffset;
    private long baseTimestamp;
    private long maxTimestamp;
    private boolean logAppendTime;
    private int batchEnd;
    /** The offset after the last record taken: where the reader goes on from. */
    private long next;
    /**
     * Corruption met after records were taken in the same poll: those are returned first, and this is thrown by the
     * next {@link #drain}.
     */
    private CorruptLogException failure;

    FetchBuffer(TopicPartition topicPartition, int initialBytes, boolean checkCrcs) {
        this.topicPartition = topicPartition;
        this.checkCrcs = checkCrcs;
        this.bytes = ByteBuffer.allocate(initialBytes);
    }

    /** Copies the slice of the log into the buffer, replacing whatever was left. */
    void fill(FileRecords slice, long sliceStartPosition) {
        int size = slice.sizeInBytes();
        if (bytes.capacity() < size) {
            bytes = ByteBuffer.allocate(size);
        }
        bytes.clear();
        bytes.limit(size);
        try {
            slice.readInto(bytes, 0);
        } catch (IOException e) {
            throw new StorageException("Cannot read log: partition=" + topicPartition + ", file=" + slice.file(), e);
        }
        bytes.position(0).limit(size);
        file = slice.file().toPath();
        fileStart = sliceStartPosition;
        batches = MemoryRecords.readableRecords(bytes).batches().iterator();
        batch = null;
        records = null;
        recordsLeft = -1;
        nextBatchStart = 0;
    }

    void clear() {
        dropBatches();
        failure = null;
    }

    private void dropBatches() {
        batches = null;
        batch = null;
        records = null;
        recordsLeft = -1;
    }

    /** Whether there is nothing left to return: no records, and no corruption to report. */
    boolean isEmpty() {
        return records == null && recordsLeft < 0 && batches == null && failure == null;
    }

    /** Whether the buffer holds corruption that the next {@link #drain} reports. */
    boolean hasFailure() {
        return failure != null;
    }

    /**
     * Adds records with offsets at or after {@code position}, at most {@code max}, to {@code out}. Returns the next
     * position: past the last record taken, or past the last batch consumed (so that batches compaction emptied are
     * not read again).
     */
    long drain(List<ConsumerRecord> out, int max, long position) {
        next = position;
        if (failure != null) {
            return reportFailure(out);
        }
        try {
            drainRecords(out, max);
        } catch (Throwable t) {
            // Without a current batch, the one whose header could not be read is the next.
            long batchPosition = fileStart + (batch != null ? batchStart : nextBatchStart);
            RuntimeException error = StoredBatches.corruptOrRethrow(t, topicPartition, file, batchPosition,
                    batch != null ? batch.baseOffset() : next);
            if (!(error instanceof CorruptLogException corrupt)) {
                throw error;
            }
            failure = corrupt;
            dropBatches();
            return reportFailure(out);
        }
        return next;
    }

    /**
     * Throws the corruption met if this poll has returned nothing yet; else keeps it for the next drain, so that the
     * records before it reach the reader first. Either way the position stays on the corrupt batch.
     */
    private long reportFailure(List<ConsumerRecord> out) {
        if (out.isEmpty()) {
            CorruptLogException reported = failure;
            failure = null;
            throw reported;
        }
        return next;
    }

    private void drainRecords(List<ConsumerRecord> out, int max) {
        // The offset to go on from lives in a local in the loop (a field write per record costs); when the loop
        // throws, the records it took say how far it got.
        int before = out.size();
        try {
            next = drainRecords(out, max, next);
        } catch (RuntimeException | Error e) {
            if (out.size() > before) {
                next = Math.max(next, out.get(out.size() - 1).offset() + 1);
            }
            throw e;
        }
    }

    private long drainRecords(List<ConsumerRecord> out, int max, long from) {
        long next = from;
        int taken = 0;
        while (taken < max) {
            if (recordsLeft > 0) {
                ConsumerRecord record = decodeNext();
                if (record.offset() >= next) {
                    out.add(record);
                    next = record.offset() + 1;
                    taken++;
                }
                continue;
            }
            if (recordsLeft == 0 || records == null || !records.hasNext()) {
                if (batch != null) {
                    if (recordsLeft == 0 && recordPosition != batchEnd) {
                        throw corrupt("Records do not fill their batch at offset " + batch.baseOffset());
                    }
                    next = Math.max(next, batch.lastOffset() + 1);
                    batch = null;
                    records = null;
                    recordsLeft = -1;
                }
                if (batches == null || !batches.hasNext()) {
                    batches = null;
                    return next;
                }
                batch = nextBatch();
                if (batch.lastOffset() < next) {
                    records = null;
                    continue;
                }
                if (!startFastPath()) {
                    records = batch.iterator();
                }
                continue;
            }
            Record record = records.next();
            if (record.offset() < next) {
                continue;
            }
            out.add(toConsumerRecord(record));
            next = record.offset() + 1;
            taken++;
        }
        return next;
    }

    private MutableRecordBatch nextBatch() {
        batchStart = nextBatchStart;
        batch = batches.next();
        nextBatchStart = batchStart + batch.sizeInBytes();
        if (checkCrcs && !batch.isValid()) {
            throw corrupt("CRC32C mismatch in batch at offset " + batch.baseOffset());
        }
        return batch;
    }

    /** Starts decoding the current batch from the array if it is an uncompressed v2 batch. */
    private boolean startFastPath() {
        if (batch.magic() != RecordBatch.MAGIC_VALUE_V2 || batch.compressionType() != CompressionType.NONE
                || !bytes.hasArray()) {
            return false;
        }
        int base = bytes.arrayOffset() + batchStart;
        ByteBuffer header = ByteBuffer.wrap(bytes.array(), base, DefaultRecordBatch.RECORD_BATCH_OVERHEAD);
        baseOffset = header.getLong(base);
        baseTimestamp = header.getLong(base + 27);
        maxTimestamp = header.getLong(base + 35);
        int count = header.getInt(base + 57);
        logAppendTime = batch.timestampType() == org.apache.kafka.common.record.TimestampType.LOG_APPEND_TIME;
        recordPosition = base + DefaultRecordBatch.RECORD_BATCH_OVERHEAD;
        batchEnd = base + batch.sizeInBytes();
        if (count < 0 || recordPosition > batchEnd) {
            throw corrupt("Invalid record count " + count + " in batch at offset " + baseOffset);
        }
        recordsLeft = count;
        if (count == 0 && recordPosition != batchEnd) {
            throw corrupt("Records do not fill their batch at offset " + baseOffset);
        }
        return true;
    }

    /** Decodes the record at {@code recordPosition}: Kafka's v2 record layout (varints are zigzag-encoded). */
    private ConsumerRecord decodeNext() {
        byte[] a = bytes.array();
        try {
            int bodySize = readVarint(a);
            int bodyStart = recordPosition;
            if (bodySize < 0 || bodyStart + bodySize > batchEnd) {
                throw corrupt("Invalid record size " + bodySize + " in batch at offset " + baseOffset);
            }
            recordPosition++; // attributes: unused in v2
            long timestampDelta = readVarlong(a);
            int offsetDelta = readVarint(a);
            byte[] key = readBytes(a, readVarint(a));
            byte[] value = readBytes(a, readVarint(a));
            int headerCount = readVarint(a);
            List<Header> headers = List.of();
            if (headerCount != 0) {
                // Each header takes at least two bytes (its key's and its value's lengths).
                if (headerCount < 0 || headerCount > (bodyStart + bodySize - recordPosition) / 2) {
                    throw corrupt("Invalid header count " + headerCount + " in batch at offset " + baseOffset);
                }
                headers = new ArrayList<>(headerCount);
                for (int i = 0; i < headerCount; i++) {
                    byte[] name = readBytes(a, readVarint(a));
                    if (name == null) {
                        throw corrupt("Header without a key in batch at offset " + baseOffset);
                    }
                    headers.add(new Header(new String(name, StandardCharsets.UTF_8), readBytes(a, readVarint(a))));
                }
            }
            if (recordPosition != bodyStart + bodySize) {
                throw corrupt("Record size mismatch in batch at offset " + baseOffset);
            }
            recordsLeft--;
            return new ConsumerRecord(topicPartition.topic(), topicPartition.partition(), baseOffset + offsetDelta,
                    logAppendTime ? maxTimestamp : baseTimestamp + timestampDelta,
                    logAppendTime ? TimestampType.LOG_APPEND_TIME : TimestampType.CREATE_TIME, key, value, headers);
        } catch (ArrayIndexOutOfBoundsException e) {
            throw corrupt("Record runs past its batch at offset " + baseOffset);
        }
    }

    private byte[] readBytes(byte[] a, int length) {
        if (length < 0) {
            if (length != -1) {
                throw corrupt("Invalid field length " + length + " in batch at offset " + baseOffset);
            }
            return null;
        }
        if (length == 0) {
            return NO_BYTES; // nothing to change in an empty array: one serves every record
        }
        if (recordPosition + length > batchEnd) {
            throw corrupt("Record field runs past its batch at offset " + baseOffset);
        }
        byte[] out = java.util.Arrays.copyOfRange(a, recordPosition, recordPosition + length);
        recordPosition += length;
        return out;
    }

    private int readVarint(byte[] a) {
        int value = 0;
        int shift = 0;
        byte b;
        do {
            if (shift > 28) {
                throw corrupt("Varint too long in batch at offset " + baseOffset);
            }
            b = a[recordPosition++];
            value |= (b & 0x7f) << shift;
            shift += 7;
        } while (b < 0);
        return (value >>> 1) ^ -(value & 1);
    }

    private long readVarlong(byte[] a) {
        long value = 0;
        int shift = 0;
        byte b;
        do {
            if (shift > 63) {
                throw corrupt("Varlong too long in batch at offset " + baseOffset);
            }
            b = a[recordPosition++];
            value |= (long) (b & 0x7f) << shift;
            shift += 7;
        } while (b < 0);
        return (value >>> 1) ^ -(value & 1);
    }

    /** The current batch's corruption; {@link #drain} reports it. */
    private CorruptLogException corrupt(String reason) {
        return new CorruptLogException(topicPartition, file, fileStart + batchStart,
                batch != null ? batch.baseOffset() : next, reason, null);
    }

    private ConsumerRecord toConsumerRecord(Record record) {
        TimestampType type = batch.timestampType() == org.apache.kafka.common.record.TimestampType.LOG_APPEND_TIME
                ? TimestampType.LOG_APPEND_TIME : TimestampType.CREATE_TIME;
        return new ConsumerRecord(topicPartition.topic(), topicPartition.partition(), record.offset(),
                record.timestamp(), type, copy(record.key()), copy(record.value()), headers(record.headers()));
    }

    private static byte[] copy(ByteBuffer buffer) {
        if (buffer == null) {
            return null;
        }
        byte[] out = new byte[buffer.remaining()];
        buffer.get(out);
        return out;
    }

    private static List<Header> headers(org.apache.kafka.common.header.Header[] headers) {
        if (headers.length == 0) {
            return List.of();
        }
        List<Header> out = new ArrayList<>(headers.length);
        for (org.apache.kafka.common.header.Header h : headers) {
            out.add(new Header(h.key(), h.value()));
        }
        return out;
    }
}
