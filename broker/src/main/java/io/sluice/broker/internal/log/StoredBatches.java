package io.sluice.broker.internal.log;

import io.sluice.broker.CorruptLogException;
import io.sluice.broker.SluiceException;
import io.sluice.broker.TopicPartition;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.function.Consumer;
import org.apache.kafka.common.record.FileLogInputStream.FileChannelRecordBatch;
import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.record.Record;

/**
 * Reading stored batches without letting a decoder's failure escape raw. kafka-clients reports bad bytes in many
 * ways — {@code KafkaException}s, {@code IllegalArgumentException}, {@code BufferUnderflowException},
 * {@code IndexOutOfBoundsException}, and from the codecs even {@code java.lang.Error}s (snappy-java's
 * {@code SnappyError}) — and every reader of stored batches turns them into a {@link CorruptLogException} that names
 * the partition, the segment file and the batch's position there. Thread-safe (stateless).
 */
public final class StoredBatches {
    private StoredBatches() {
    }

    /**
     * Whether {@code failure}, thrown while decoding stored bytes, says that they are bad — anything but the JVM
     * failing (out of memory, a class or native library that cannot load) or an error of sluice's own (a closed log,
     * an unreadable file) other than corruption.
     */
    public static boolean isDecodeFailure(Throwable failure) {
        return !(failure instanceof VirtualMachineError || failure instanceof LinkageError
                || failure instanceof SluiceException && !(failure instanceof CorruptLogException));
    }

    /** The corruption of the batch at {@code position} in {@code file}. */
    public static CorruptLogException corrupt(TopicPartition topicPartition, Path file, long position, long offset,
                                              Throwable failure) {
        if (failure instanceof CorruptLogException known) {
            return known;
        }
        return new CorruptLogException(topicPartition, file, position, offset, String.valueOf(failure), failure);
    }

    /**
     * The batches of {@code records}, read from the log of {@code topicPartition} from {@code startPosition} (its
     * position in the segment file) and {@code startOffset}; a batch whose header cannot be read ends the iteration
     * with a {@link CorruptLogException} at its position.
     */
    public static Iterable<FileChannelRecordBatch> batches(TopicPartition topicPartition, FileRecords records,
                                                           long startPosition, long startOffset) {
        Path file = records.file().toPath();
        return () -> new Iterator<>() {
            private final Iterator<FileChannelRecordBatch> batches = records.batches().iterator();
            private long nextPosition = startPosition;
            private long nextOffset = startOffset;

            @Override
            public boolean hasNext() {
                try {
                    return batches.hasNext();
                } catch (Throwable t) {
                    throw corruptOrRethrow(t, topicPartition, file, nextPosition, nextOffset);
                }
            }

            @Override
            public FileChannelRecordBatch next() {
                try {
                    FileChannelRecordBatch batch = batches.next();
                    nextOffset = batch.lastOffset() + 1;
                    nextPosition = batch.position() + batch.sizeInBytes();
                    return batch;
                } catch (NoSuchElementException e) {
                    throw e;
                } catch (Throwable t) {
                    throw corruptOrRethrow(t, topicPartition, file, nextPosition, nextOffset);
                }
            }
        };
    }

    /**
     * Checks the batch's CRC32C, then gives each of its records to {@code action}; a batch that fails either way is a
     * {@link CorruptLogException} at its position. Failures of {@code action} itself pass through as they are.
     */
    public static void forEachRecord(TopicPartition topicPartition, Path file, FileChannelRecordBatch batch,
                                     Consumer<Record> action) {
        Iterator<Record> records;
        try {
            batch.ensureValid();
            records = batch.iterator();
        } catch (Throwable t) {
            throw corruptOrRethrow(t, topicPartition, file, batch.position(), batch.baseOffset());
        }
        while (true) {
            Record record;
            try {
                if (!records.hasNext()) {
                    return;
                }
                record = records.next();
            } catch (Throwable t) {
                throw corruptOrRethrow(t, topicPartition, file, batch.position(), batch.baseOffset());
            }
            action.accept(record);
        }
    }

    /**
     * The corruption {@code failure} means, to be thrown; a failure that is not corruption is rethrown as it is
     * (an {@code Error}) or returned as it is (a {@code RuntimeException}).
     */
    public static RuntimeException corruptOrRethrow(Throwable failure, TopicPartition topicPartition, Path file,
                                                    long position, long offset) {
        if (isDecodeFailure(failure)) {
            return corrupt(topicPartition, file, position, offset, failure);
        }
        if (failure instanceof RuntimeException re) {
            return re;
        }
        if (failure instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(failure);
    }
}
