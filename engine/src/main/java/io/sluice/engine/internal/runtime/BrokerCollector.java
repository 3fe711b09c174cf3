package io.sluice.engine.internal.runtime;

import io.sluice.broker.Callback;
import io.sluice.broker.Header;
import io.sluice.broker.Producer;
import io.sluice.broker.ProducerRecord;
import io.sluice.broker.SluiceException;
import io.sluice.engine.internal.task.RecordCollector;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Sends a stream thread's output to the broker without waiting; the first failed send is kept and thrown by the
 * next call, so a commit never covers output that was lost. When the producer encodes its own batches
 * ({@code encode.on.send}), sends are handed over in groups (at {@link #HAND_OFF_RECORDS}, and whenever the thread
 * finishes a batch of input) so that batches have records to share; otherwise each goes at once, and the journal
 * encodes it while the thread goes on (grouping them only made the journal wait) — woken, if it sleeps, once per
 * batch of input ({@code wake.on.hand.off}) rather than once per record. Used by one thread (callbacks
 * come from broker threads and only set the error).
 */
final class BrokerCollector implements RecordCollector {
    private final Producer producer;
    /** Enough to spread the hand-off's cost; small enough that output is not held back noticeably. */
    static final int HAND_OFF_RECORDS = 256;

    private final Map<String, Integer> partitionCounts = new HashMap<>();
    private final List<ProducerRecord> pending = new ArrayList<>(HAND_OFF_RECORDS);
    private final AtomicReference<Exception> error = new AtomicReference<>();
    /** One callback for every send: it only keeps the first failure (and is not called for a success). */
    private final Callback onCompletion = Callback.onFailure(exception -> error.compareAndSet(null, exception));

    private final boolean grouped;

    BrokerCollector(Producer producer, boolean grouped) {
        this.producer = producer;
        this.grouped = grouped;
    }

    @Override
    public void send(String topic, int partition, byte[] key, byte[] value, long timestamp, List<Header> headers) {
        throwIfFailed();
        ProducerRecord record = new ProducerRecord(topic, partition == BY_KEY ? ProducerRecord.ANY_PARTITION
                : partition, key, value, Math.max(timestamp, 0), headers);
        if (!grouped) {
            producer.send(record, onCompletion);
            return;
        }
        pending.add(record);
        if (pending.size() >= HAND_OFF_RECORDS) {
            handOff();
        }
    }

    @Override
    public void handOff() {
        if (!grouped) {
            producer.handOff();
            return;
        }
        if (!pending.isEmpty()) {
            try {
                producer.sendAll(pending, onCompletion);
            } finally {
                pending.clear();
            }
        }
    }

    @Override
    public int partitionCount(String topic) {
        return partitionCounts.computeIfAbsent(topic, t -> producer.partitionsFor(t).size());
    }

    @Override
    public void flush() {
        handOff();
        producer.flush();
        throwIfFailed();
    }

    private void throwIfFailed() {
        Exception e = error.get();
        if (e != null) {
            throw new SluiceException("A record of the job could not be written: " + e.getMessage(), e);
        }
    }
}
