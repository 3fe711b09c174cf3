package io.sluice.broker.internal.net;

import io.sluice.broker.ClosedException;
import io.sluice.broker.RecordTooLargeException;
import io.sluice.broker.StorageException;
import io.sluice.broker.TimestampType;
import io.sluice.broker.internal.BrokerCore;
import io.sluice.broker.internal.WholeBatchCallback;
import io.sluice.broker.internal.ingest.BatchValidator;
import io.sluice.broker.internal.ingest.JournalShard;
import io.sluice.broker.internal.topic.Partition;
import io.sluice.broker.internal.topic.Topic;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.message.ProduceResponseData.TopicProduceResponse;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;

/**
 * Produce: each partition's record batch, RecordBatch v2 as the client encoded it (compressed or not), is validated
 * whole — framing, CRC-32C, sizes, every record, as {@link BatchValidator} says — and handed to the partition's
 * journal as it is; the journal gives it its offsets and appends it. A batch that fails is answered with Kafka's
 * error for it (INVALID_RECORD, CORRUPT_MESSAGE, MESSAGE_TOO_LARGE, INVALID_TIMESTAMP) and the check that failed,
 * and nothing of it is stored. As in Kafka, a partition's records are one batch. The response goes when every
 * partition has been written (acks=1 and all: one replica), or not at all for acks=0. Idempotent producers'
 * sequences are checked per partition ({@link ProducerSequences}): an exact retry is answered with its original
 * offset, a gap refused. Transactional batches are refused.
 */
final class ProduceHandler {
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);
    /** How soon a batch that found its journal's ring full is offered again. */
    private static final long RETRY_MICROS = 500;

    private final BrokerCore core;
    private final ProducerSequences sequences;
    /** Where batches wait for room in a full ring: never on the network thread. */
    private final ScheduledExecutorService delayed;

    ProduceHandler(BrokerCore core, ProducerSequences sequences, ScheduledExecutorService delayed) {
        this.core = core;
        this.sequences = sequences;
        this.delayed = delayed;
    }

    void handle(ProduceRequest request, short version, Consumer<ApiMessage> reply) {
        ProduceRequestData data = request.data();
        List<Pending> pending = new ArrayList<>();
        List<Topic> topics = new ArrayList<>();
        for (ProduceRequestData.TopicProduceData topicData : data.topicData()) {
            topics.add(topic(topicData));
            for (ProduceRequestData.PartitionProduceData p : topicData.partitionData()) {
                pending.add(new Pending(topicData.name(), topicData.topicId(), p.index()));
            }
        }
        // acks=0 is answered with nothing, but only once its batches are written, as by Kafka: until then the
        // connection reads no more, which bounds what a producer that never waits can make the broker hold.
        boolean respond = data.acks() != 0;
        AtomicInteger partitionsLeft = new AtomicInteger(pending.size());
        Runnable partitionDone = () -> {
            if (partitionsLeft.decrementAndGet() == 0) {
                reply.accept(respond ? response(pending, version).data() : null);
            }
        };
        int i = 0;
        int t = 0;
        for (ProduceRequestData.TopicProduceData topicData : data.topicData()) {
            Topic topic = topics.get(t++);
            for (ProduceRequestData.PartitionProduceData p : topicData.partitionData()) {
                append(topic, p, pending.get(i++), partitionDone);
            }
        }
        if (pending.isEmpty()) {
            reply.accept(respond ? response(pending, version).data() : null);
        }
    }

    /** The topic by name (before v13) or id (v13 on), or null. */
    private Topic topic(ProduceRequestData.TopicProduceData topicData) {
        return TopicLookup.find(core, topicData.name(), topicData.topicId());
    }

    private void append(Topic topic, ProduceRequestData.PartitionProduceData data, Pending result, Runnable done) {
        if (topic == null || data.index() < 0 || data.index() >= topic.partitionCount()) {
            result.fail(Errors.UNKNOWN_TOPIC_OR_PARTITION, null);
            done.run();
            return;
        }
        if (topic.internal()) {
            result.fail(Errors.INVALID_TOPIC_EXCEPTION, "Cannot produce to an internal topic: topic=" + topic.name());
            done.run();
            return;
        }
        Partition partition = topic.partition(data.index());
        ByteBuffer bytes = data.records() instanceof MemoryRecords memory ? memory.buffer() : EMPTY;
        BatchValidator.Result validation = BatchValidator.validate(bytes, partition.topicPartition(), topic.config(),
                System.currentTimeMillis());
        if (!validation.isValid()) {
            result.fail(errorFor(validation.outcome()), validation.message(), validation.recordIndex());
            done.run();
            return;
        }
        MutableRecordBatch batch = MemoryRecords.readableRecords(bytes.slice()).batches().iterator().next();
        result.logStartOffset = partition.log().logStartOffset();
        org.apache.kafka.common.TopicPartition tp = new org.apache.kafka.common.TopicPartition(topic.name(),
                data.index());
        ProducerSequences.Verdict verdict = sequences.check(tp, batch);
        if (verdict.error() != Errors.NONE) {
            result.fail(verdict.error(), null);
            done.run();
            return;
        }
        if (verdict.duplicate()) {
            // A retry of a batch already written: its offset again, nothing written twice.
            result.baseOffset.accumulateAndGet(verdict.duplicateOf(), Math::min);
            done.run();
            return;
        }
        boolean logAppendTime = topic.config().timestampType() == TimestampType.LOG_APPEND_TIME;
        publish(attempt(partition, tp, batch, bytes.slice(), validation, logAppendTime, result, done));
    }

    /**
     * Offers the batch to its journal. A full ring — the journal is behind — holds it back for a moment, on the timer
     * thread: the network thread goes on serving other clients meanwhile, and this one gets its response when its
     * batch is written, as it would have had the ring had room.
     */
    private void publish(Attempt attempt) {
        if (attempt.offer() == JournalShard.Offer.FULL) {
            try {
                delayed.schedule(() -> publish(attempt), RETRY_MICROS, TimeUnit.MICROSECONDS);
            } catch (RejectedExecutionException stopping) {
                attempt.fail(new ClosedException("broker"));
            }
        }
    }

    /** One batch for its partition's journal; its callback runs once the batch is acknowledged, or has failed. */
    private record Attempt(Partition partition, ByteBuffer slice, BatchValidator.Result validation,
                           WholeBatchCallback callback) {
        JournalShard.Offer offer() {
            JournalShard.Offer offer = partition.shard().offerBuilt(partition.writer(), slice, validation.records(),
                    validation.maxTimestamp(), validation.offsetDeltaOfMaxTimestamp(), callback);
            if (offer == JournalShard.Offer.CLOSED) {
                fail(new ClosedException("broker"));
            }
            return offer;
        }

        void fail(Exception error) {
            callback.onCompletion(null, error);
        }
    }

    private Attempt attempt(Partition partition, org.apache.kafka.common.TopicPartition tp, MutableRecordBatch batch,
                            ByteBuffer slice, BatchValidator.Result validation, boolean logAppendTime,
                            Pending result, Runnable done) {
        // Called once for the batch: its first record's offset, or the failure of all of it.
        WholeBatchCallback whole = (metadata, error) -> {
            if (error != null) {
                result.fail(errorFor(error), error.getMessage());
                sequences.failed(tp, batch);
            } else {
                result.baseOffset.accumulateAndGet(metadata.offset(), Math::min);
                if (logAppendTime) {
                    result.logAppendTime = metadata.timestamp();
                }
                sequences.written(tp, batch, metadata.offset());
            }
            done.run();
        };
        return new Attempt(partition, slice, validation, whole);
    }

    /** The produce error for a batch validation refused, as Kafka answers it. */
    private static Errors errorFor(BatchValidator.Outcome outcome) {
        return switch (outcome) {
            case CORRUPT -> Errors.CORRUPT_MESSAGE;
            case TOO_LARGE -> Errors.MESSAGE_TOO_LARGE;
            case INVALID_TIMESTAMP -> Errors.INVALID_TIMESTAMP;
            case INVALID_RECORD, VALID -> Errors.INVALID_RECORD;
        };
    }

    private static Errors errorFor(Exception error) {
        if (error instanceof RecordTooLargeException) {
            return Errors.MESSAGE_TOO_LARGE;
        }
        if (error instanceof StorageException) {
            return Errors.KAFKA_STORAGE_ERROR;
        }
        if (error instanceof ClosedException) {
            return Errors.NOT_LEADER_OR_FOLLOWER; // the broker is stopping: the client retries elsewhere or later
        }
        return Errors.UNKNOWN_SERVER_ERROR;
    }

    private static AbstractResponse response(List<Pending> pending, short version) {
        ProduceResponseData data = new ProduceResponseData();
        for (Pending p : pending) {
            TopicProduceResponse topic = data.responses().find(p.topic, p.topicId);
            if (topic == null) {
                topic = new TopicProduceResponse().setName(p.topic).setTopicId(p.topicId);
                data.responses().add(topic);
            }
            PartitionProduceResponse r = new PartitionProduceResponse().setIndex(p.partition)
                    .setErrorCode(p.error.get().code())
                    .setBaseOffset(p.error.get() == Errors.NONE ? p.baseOffset.get() : -1)
                    .setLogAppendTimeMs(p.logAppendTime).setLogStartOffset(version >= 5 ? p.logStartOffset : -1);
            if (p.errorMessage != null && version >= 8) {
                r.setErrorMessage(p.errorMessage);
                if (p.recordIndex >= 0) {
                    r.recordErrors().add(new ProduceResponseData.BatchIndexAndErrorMessage()
                            .setBatchIndex(p.recordIndex).setBatchIndexErrorMessage(p.errorMessage));
                }
            }
            topic.partitionResponses().add(r);
        }
        return new ProduceResponse(data);
    }

    /** What became of one partition's records. */
    private static final class Pending {
        final String topic;
        final Uuid topicId;
        final int partition;
        final AtomicReference<Errors> error = new AtomicReference<>(Errors.NONE);
        final AtomicLong baseOffset = new AtomicLong(Long.MAX_VALUE);
        volatile long logAppendTime = RecordBatch.NO_TIMESTAMP;
        volatile long logStartOffset = -1;
        volatile String errorMessage;
        /** The record at fault, for the response's record errors, or -1. */
        volatile int recordIndex = -1;

        Pending(String topic, Uuid topicId, int partition) {
            this.topic = topic;
            this.topicId = topicId;
            this.partition = partition;
        }

        void fail(Errors e, String message) {
            fail(e, message, -1);
        }

        void fail(Errors e, String message, int atRecord) {
            if (error.compareAndSet(Errors.NONE, e)) {
                errorMessage = message;
                recordIndex = atRecord;
            }
        }
    }
}
