package io.sluice.broker.internal.ingest;

import java.util.function.Supplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.utils.BufferSupplier;
import org.apache.kafka.common.utils.PrimitiveRef;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.storage.internals.log.AppendOrigin;
import org.apache.kafka.storage.internals.log.LogValidator;

/**
 * Kafka's own {@code LogValidator} (from the kafka-storage artifact) as a Kafka broker runs it on a producer's batch:
 * a CreateTime topic with Kafka 4's timestamp limits, the producer's codec kept, offsets assigned in place from 0.
 */
final class KafkaLogValidator {
    private static final TopicPartition PARTITION = new TopicPartition("orders", 0);

    private KafkaLogValidator() {
    }

    /** Validates {@code records} (changed in place); throws what Kafka refuses the batch with. */
    static LogValidator.ValidationResult validate(MemoryRecords records, CompressionType codec, boolean compacted,
                                                  long nowMs, BufferSupplier buffers) {
        return new LogValidator(records, PARTITION, fixedTime(nowMs), codec, Compression.of(codec).build(), compacted,
                RecordBatch.MAGIC_VALUE_V2, TimestampType.CREATE_TIME, Long.MAX_VALUE, 3_600_000L,
                RecordBatch.NO_PARTITION_LEADER_EPOCH, AppendOrigin.CLIENT)
                .validateMessagesAndAssignOffsets(PrimitiveRef.ofLong(0), NO_METRICS, buffers);
    }

    private static Time fixedTime(long nowMs) {
        return new Time() {
            @Override
            public long milliseconds() {
                return nowMs;
            }

            @Override
            public long nanoseconds() {
                return System.nanoTime();
            }

            @Override
            public void sleep(long ms) {
            }

            @Override
            public void waitObject(Object obj, Supplier<Boolean> condition, long deadlineMs) {
            }
        };
    }

    private static final LogValidator.MetricsRecorder NO_METRICS = new LogValidator.MetricsRecorder() {
        @Override
        public void recordInvalidMagic() {
        }

        @Override
        public void recordInvalidOffset() {
        }

        @Override
        public void recordInvalidSequence() {
        }

        @Override
        public void recordInvalidChecksums() {
        }

        @Override
        public void recordNoKeyCompactedTopic() {
        }
    };
}
