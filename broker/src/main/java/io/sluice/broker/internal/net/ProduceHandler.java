package io.sluice.broker.internal.net;

import io.sluice.broker.ClosedException;
import io.sluice.broker.RecordTooLargeException;
import io.sluice.broker.StorageException;
import io.sluice.broker.TimestampType;
import io.sluice.broker.internal.BrokerCore;
import io.sluice.broker.internal.WholeBatchCallback;
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
import org.apache.kafka.common.errors.CorruptRecordException;
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
 * Produce: each partition's record batches, RecordBatch v2 as the client encoded them (compressed or not), are
 * checked — CRC-32C, sizes, magic — and handed to the partition's journal as they are; the journal gives them their
 * offsets and appends them. The response goes when every partition has been written (acks=1 and all: one replica),
 * or not at all for acks=0. Idempotent producers' sequences are checked per partition ({@link ProducerSequences}):
 * an exact retry is answered with its original offset, a gap refused. Transactional batches are refused.
 */
final class ProduceHandler {
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
        boolean respond = data.acks() != 0;
        AtomicInteger partitionsLeft = new AtomicInteger(pending.size());
        Runnable partitionDone = () -> {
            if (partitionsLeft.decrementAndGet() == 0 && respond) {
                reply.accept(response(pending, version).data());
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
        if (!respond) {
            reply.accept(null);
        } else if (pending.isEmpty()) {
            reply.accept(response(pending, version).data());
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
        Partition partition = topic.partition(data.index());
        MemoryRecords records = (MemoryRecords) data.records();
        List<MutableRecordBatch> batches = new ArrayList<>();
        List<ByteBuffer> slices = new ArrayList<>();
        try {
            ByteBuffer buffer = records.buffer();
            int position = buffer.position();
            for (MutableRecordBatch batch : records.batches()) {
                Errors invalid = check(batch, topic.config().maxMessageBytes());
                if (invalid != Errors.NONE) {
                    result.fail(invalid, invalid == Errors.INVALID_RECORD
                            ? "transactional and control batches are not supported yet" : null);
                    done.run();
                    return;
                }
                batches.add(batch);
                slices.add(buffer.duplicate().position(position).limit(position + batch.sizeInBytes()).slice());
                position += batch.sizeInBytes();
            }
        } catch (CorruptRecordException e) {
            result.fail(Errors.CORRUPT_MESSAGE, e.getMessage());
            done.run();
            return;
        }
        if (batches.isEmpty()) {
            result.fail(Errors.INVALID_RECORD, "no record batch");
            done.run();
            return;
        }
        result.logStartOffset = partition.log().logStartOffset();
        org.apache.kafka.common.TopicPartition tp = new org.apache.kafka.common.TopicPartition(topic.name(),
                data.index());
        AtomicInteger batchesLeft = new AtomicInteger(batches.size());
        Runnable batchDone = () -> {
            if (batchesLeft.decrementAndGet() == 0) {
                done.run();
            }
        };
        boolean logAppendTime = topic.config().timestampType() == TimestampType.LOG_APPEND_TIME;
        List<Attempt> toPublish = new ArrayList<>(batches.size());
        for (int b = 0; b < batches.size(); b++) {
            MutableRecordBatch batch = batches.get(b);
            ProducerSequences.Verdict verdict = sequences.check(tp, batch);
            if (verdict.error() != Errors.NONE) {
                result.fail(verdict.error(), null);
                batchDone.run();
                continue;
            }
            if (verdict.duplicate()) {
                // A retry of a batch already written: its offset again, nothing written twice.
                result.baseOffset.accumulateAndGet(verdict.duplicateOf(), Math::min);
                batchDone.run();
                continue;
            }
            toPublish.add(attempt(partition, tp, batch, slices.get(b), logAppendTime, result, batchDone));
        }
        publishInOrder(toPublish, 0);
    }

    /**
     * Offers the batches to their journal in order. A full ring — the journal is behind — holds the rest back for a
     * moment, on the timer thread: the network thread goes on serving other clients meanwhile, and this one
     * gets its response when its batches are written, as it would have had the ring had room.
     */
    private void publishInOrder(List<Attempt> attempts, int from) {
        for (int i = from; i < attempts.size(); i++) {
            if (attempts.get(i).offer() == JournalShard.Offer.FULL) {
                int next = i;
                try {
                    delayed.schedule(() -> publishInOrder(attempts, next), RETRY_MICROS, TimeUnit.MICROSECONDS);
                } catch (RejectedExecutionException stopping) {
                    for (int j = next; j < attempts.size(); j++) {
                        attempts.get(j).fail(new ClosedException("broker"));
                    }
                }
                return;
            }
        }
    }

    /** One batch for its partition's journal; its callback runs once the batch is acknowledged, or has failed. */
    private record Attempt(Partition partition, ByteBuffer slice, long[] timestamps, WholeBatchCallback callback) {
        JournalShard.Offer offer() {
            JournalShard.Offer offer = partition.shard().offerBuilt(partition.writer(), slice, timestamps,
                    timestamps.length - 1, callback);
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
                            ByteBuffer slice, boolean logAppendTime, Pending result, Runnable done) {
        int count = batch.countOrNull();
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
        long[] timestamps = new long[count];
        java.util.Arrays.fill(timestamps, batch.maxTimestamp());
        return new Attempt(partition, slice, timestamps, whole);
    }

    /** Why a client's batch cannot be appended, or NONE. */
    private static Errors check(MutableRecordBatch batch, int maxMessageBytes) {
        if (batch.magic() != RecordBatch.MAGIC_VALUE_V2) {
            return Errors.UNSUPPORTED_FOR_MESSAGE_FORMAT;
        }
        batch.ensureValid(); // CRC-32C and sizes: CorruptRecordException
        if (batch.isTransactional() || batch.isControlBatch()) {
            return Errors.INVALID_RECORD;
        }
        if (batch.sizeInBytes() > maxMessageBytes) {
            return Errors.MESSAGE_TOO_LARGE;
        }
        Integer count = batch.countOrNull();
        if (count == null || count <= 0 || batch.lastOffset() - batch.baseOffset() != count - 1) {
            throw new CorruptRecordException("Record count " + count + " does not match the batch's offsets");
        }
        return Errors.NONE;
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

        Pending(String topic, Uuid topicId, int partition) {
            this.topic = topic;
            this.topicId = topicId;
            this.partition = partition;
        }

        void fail(Errors e, String message) {
            if (error.compareAndSet(Errors.NONE, e)) {
                errorMessage = message;
            }
        }
    }
}
