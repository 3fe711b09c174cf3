package io.sluice.broker.internal.client;

import io.sluice.broker.ConsumerRecord;
import io.sluice.broker.CorruptLogException;
import io.sluice.broker.Header;
import io.sluice.broker.StorageException;
import io.sluice.broker.TimestampType;
import io.sluice.broker.TopicPartition;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.apache.kafka.common.record.Record;

/**
 * Batches read from one partition's log and decoded into records as the consumer asks for them. The bytes are
 * copied once, from the page cache into a reused buffer; keys and values are copied out per record. Not
 * thread-safe.
 */
final class FetchBuffer {
    private final TopicPartition topicPartition;
    private final boolean checkCrcs;
    private ByteBuffer bytes;
    private Iterator<MutableRecordBatch> batches;
    private MutableRecordBatch batch;
    private Iterator<Record> records;
    private Path file;
    private long fileStart;

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
    }

    void clear() {
        batches = null;
        batch = null;
        records = null;
    }

    boolean isEmpty() {
        return records == null && batches == null;
    }

    /**
     * Adds records with offsets at or after {@code position}, at most {@code max}, to {@code out}. Returns the next
     * position: past the last record taken, or past the last batch consumed (so that batches compaction emptied are
     * not read again).
     */
    long drain(List<ConsumerRecord> out, int max, long position) {
        int taken = 0;
        long next = position;
        while (taken < max) {
            if (records == null || !records.hasNext()) {
                if (batch != null) {
                    next = Math.max(next, batch.lastOffset() + 1);
                    batch = null;
                    records = null;
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
                records = batch.iterator();
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
        try {
            MutableRecordBatch b = batches.next();
            if (checkCrcs && !b.isValid()) {
                throw corrupt("CRC32C mismatch in batch at offset " + b.baseOffset());
            }
            return b;
        } catch (KafkaException e) {
            throw corrupt(e.getMessage());
        }
    }

    private CorruptLogException corrupt(String reason) {
        clear();
        return new CorruptLogException(file, fileStart, reason + ", partition=" + topicPartition);
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
