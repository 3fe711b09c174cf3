package io.sluice.broker;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Publishes records to topics. Thread-safe: share one producer between threads.
 *
 * <p>{@code send} returns as soon as the record is in the broker's ingest ring; the future (or callback) completes
 * when the record has been appended to its partition log — and fsynced first, if the topic's flush policy asks for
 * it — or fails with a typed {@link SluiceException} ({@link UnknownTopicException},
 * {@link InvalidPartitionException}, {@link RecordTooLargeException}, …). Futures complete on a broker thread:
 * chain only quick, non-blocking work on them.
 *
 * <p>Records are not copied: the key and value arrays go to the journal as they are, so do not modify them until
 * the send has completed.
 *
 * <pre>{@code
 * try (Producer producer = broker.producer()) {
 *     RecordMetadata stored = producer.send(ProducerRecord.of("orders", "order-7", "{…}")).join();
 * }
 * }</pre>
 */
public interface Producer extends AutoCloseable {

    /** Sends a record; the future carries where it was stored. */
    CompletableFuture<RecordMetadata> send(ProducerRecord record);

    /** Sends a record and calls {@code callback} once when it is stored or has failed. Allocates no future. */
    void send(ProducerRecord record, Callback callback);

    /**
     * Sends records in order, each as {@code send(record, callback)} would, but hands them to the broker together:
     * cheaper per record for a thread that has many at hand (a stream thread's output). {@code callback} is called
     * once per record — except that if the producer or the broker closes midway, this throws
     * {@link ClosedException} and the records not yet handed over get no callback.
     */
    default void sendAll(List<ProducerRecord> records, Callback callback) {
        for (ProducerRecord record : records) {
            send(record, callback);
        }
    }

    /**
     * Lets the records sent so far go on without delay: with {@code wake.on.hand.off}, sends leave a sleeping
     * journal asleep until this (or {@code flush}, or {@code close}). Otherwise there is nothing to do. Does not
     * wait.
     */
    default void handOff() {
    }

    /** Blocks until every record sent before this call is stored or has failed. */
    void flush();

    /** The partitions of a topic. */
    List<TopicPartition> partitionsFor(String topic);

    /** Flushes, then closes. Sends after close fail with {@link ClosedException}. Idempotent. */
    @Override
    void close();

    /** Closes, waiting at most {@code timeout} for records in flight. */
    void close(Duration timeout);
}
