package io.sluice.engine.internal.runtime;

import io.sluice.broker.Callback;
import io.sluice.broker.Header;
import io.sluice.broker.Producer;
import io.sluice.broker.ProducerRecord;
import io.sluice.broker.SluiceException;
import io.sluice.engine.internal.task.RecordCollector;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Sends a stream thread's output to the broker without waiting; the first failed send is kept and thrown by the
 * next call, so a commit never covers output that was lost. Used by one thread (callbacks come from broker
 * threads and only set the error).
 */
final class BrokerCollector implements RecordCollector {
    private final Producer producer;
    private final Map<String, Integer> partitionCounts = new HashMap<>();
    private final AtomicReference<Exception> error = new AtomicReference<>();
    /** One callback for every send: it only keeps the first failure. */
    private final Callback onCompletion = (metadata, exception) -> {
        if (exception != null) {
            error.compareAndSet(null, exception);
        }
    };

    BrokerCollector(Producer producer) {
        this.producer = producer;
    }

    @Override
    public void send(String topic, int partition, byte[] key, byte[] value, long timestamp, List<Header> headers) {
        throwIfFailed();
        ProducerRecord record = new ProducerRecord(topic, partition == BY_KEY ? ProducerRecord.ANY_PARTITION
                : partition, key, value, Math.max(timestamp, 0), headers);
        producer.send(record, onCompletion);
    }

    @Override
    public int partitionCount(String topic) {
        return partitionCounts.computeIfAbsent(topic, t -> producer.partitionsFor(t).size());
    }

    @Override
    public void flush() {
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
