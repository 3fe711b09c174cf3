package io.sluice.broker.internal.net;

import io.sluice.broker.CorruptLogException;
import io.sluice.broker.internal.log.StoredBatches;
import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.RecordBatch;

/**
 * Idempotent produce: per producer id and partition, the epoch, the next sequence expected and the last
 * {@value #KEPT} batches written, so that a retried batch is answered with its original offset instead of being
 * written twice, and a gap is refused with OUT_OF_ORDER_SEQUENCE_NUMBER. Kept in memory and, when the listener
 * starts, rebuilt from the batches of each partition's last segment — the producer id, epoch and sequences stored
 * in their headers — so that a retry across a broker restart is still recognised. A producer seen only in older
 * segments starts afresh: its next batch is taken as it comes, as a new producer's would be.
 */
final class ProducerSequences {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ProducerSequences.class);
    static final int KEPT = 5;

    /** What to do with a batch: write it, answer it as a duplicate of {@code baseOffset}, or refuse it. */
    record Verdict(Errors error, long duplicateOf) {
        static final Verdict WRITE = new Verdict(Errors.NONE, -1);

        boolean duplicate() {
            return duplicateOf >= 0;
        }
    }

    private record Key(long producerId, TopicPartition partition) {
    }

    private record Written(int firstSequence, int lastSequence, long baseOffset) {
    }

    private static final class State {
        short epoch;
        int nextSequence;
        final ArrayDeque<Written> written = new ArrayDeque<>();
    }

    private final ConcurrentHashMap<Key, State> states = new ConcurrentHashMap<>();

    /** Checks a batch before it is written and, if it is to be written, expects the sequence after it next. */
    Verdict check(TopicPartition partition, RecordBatch batch) {
        if (!batch.hasProducerId()) {
            return Verdict.WRITE;
        }
        State state = states.computeIfAbsent(new Key(batch.producerId(), partition), k -> new State());
        synchronized (state) {
            short epoch = batch.producerEpoch();
            if (state.written.isEmpty() && state.nextSequence == 0) {
                state.epoch = epoch; // first batch seen: take its epoch and sequence as they come
            } else if (epoch < state.epoch) {
                return new Verdict(Errors.INVALID_PRODUCER_EPOCH, -1);
            } else if (epoch > state.epoch) {
                if (batch.baseSequence() != 0) {
                    return new Verdict(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER, -1);
                }
                state.epoch = epoch;
                state.written.clear();
            } else {
                for (Written w : state.written) {
                    if (w.firstSequence == batch.baseSequence() && w.lastSequence == batch.lastSequence()) {
                        return new Verdict(Errors.NONE, w.baseOffset);
                    }
                }
                if (batch.baseSequence() != state.nextSequence) {
                    return new Verdict(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER, -1);
                }
            }
            state.nextSequence = batch.lastSequence() == Integer.MAX_VALUE ? 0 : batch.lastSequence() + 1;
            return Verdict.WRITE;
        }
    }

    /** Takes in a batch already in the log, read on start: its producer's epoch, sequence and offset. */
    void recover(TopicPartition partition, RecordBatch batch) {
        if (!batch.hasProducerId()) {
            return;
        }
        State state = states.computeIfAbsent(new Key(batch.producerId(), partition), k -> new State());
        synchronized (state) {
            if (batch.producerEpoch() < state.epoch) {
                return;
            }
            if (batch.producerEpoch() > state.epoch) {
                state.epoch = batch.producerEpoch();
                state.written.clear();
            }
            state.nextSequence = batch.lastSequence() == Integer.MAX_VALUE ? 0 : batch.lastSequence() + 1;
            state.written.addLast(new Written(batch.baseSequence(), batch.lastSequence(), batch.baseOffset()));
            while (state.written.size() > KEPT) {
                state.written.removeFirst();
            }
        }
    }

    /**
     * Rebuilds the state of every partition from the batches of its last segment (the headers are read, not the
     * records). Returns how many producer batches were taken in.
     */
    int recover(io.sluice.broker.internal.BrokerCore core) {
        int batches = 0;
        for (io.sluice.broker.internal.topic.Topic topic : core.registry().topics()) {
            for (io.sluice.broker.internal.topic.Partition partition : topic.partitions()) {
                io.sluice.broker.internal.log.PartitionLog partitionLog = partition.log();
                long from = Math.max(partitionLog.logStartOffset(), partitionLog.logEndPosition().segmentBaseOffset());
                if (from >= partitionLog.highWatermark()) {
                    continue;
                }
                TopicPartition tp = new TopicPartition(topic.name(), partition.topicPartition().partition());
                var read = partitionLog.read(from, Integer.MAX_VALUE);
                if (read.isEmpty()) {
                    continue;
                }
                try {
                    for (RecordBatch batch : StoredBatches.batches(partition.topicPartition(), read.records(),
                            read.filePosition(), from)) {
                        if (batch.hasProducerId()) {
                            recover(tp, batch);
                            batches++;
                        }
                    }
                } catch (CorruptLogException e) {
                    // The producers of the batches after it start afresh, as if seen only in older segments.
                    log.error("Cannot read the producer state past a corrupt batch: partition={}, file={}, "
                            + "position={}", partition.topicPartition(), e.file(), e.position(), e);
                }
            }
        }
        return batches;
    }

    /** Remembers where a checked batch was written, for answering its retries. */
    void written(TopicPartition partition, RecordBatch batch, long baseOffset) {
        if (!batch.hasProducerId()) {
            return;
        }
        State state = states.get(new Key(batch.producerId(), partition));
        if (state == null) {
            return;
        }
        synchronized (state) {
            state.written.addLast(new Written(batch.baseSequence(), batch.lastSequence(), baseOffset));
            while (state.written.size() > KEPT) {
                state.written.removeFirst();
            }
        }
    }

    /** A batch that failed to be written: its sequence is expected again, unless later ones were taken since. */
    void failed(TopicPartition partition, RecordBatch batch) {
        if (!batch.hasProducerId()) {
            return;
        }
        State state = states.get(new Key(batch.producerId(), partition));
        if (state != null) {
            synchronized (state) {
                int after = batch.lastSequence() == Integer.MAX_VALUE ? 0 : batch.lastSequence() + 1;
                if (state.nextSequence == after) {
                    state.nextSequence = batch.baseSequence();
                }
            }
        }
    }
}
