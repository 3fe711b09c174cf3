package io.sluice.engine;

import java.time.Duration;

/**
 * What a processor can see and do: forward records to its children, read the metadata of the input record being
 * processed, schedule punctuations, reach its state stores and count events. One context per processor per task;
 * use it only from the processor's own callbacks.
 */
public interface ProcessorContext {
    /** The job's {@code application.id}. */
    String applicationId();

    /** The task this processor instance belongs to. */
    TaskId taskId();

    /** This processor's name in the topology. */
    String processorName();

    /** The topic of the input record being processed, or null inside a punctuation. */
    String topic();

    /** The partition of the input record being processed, or -1 inside a punctuation. */
    int partition();

    /** The offset of the input record being processed, or -1 inside a punctuation. */
    long offset();

    /** The task's stream time: the largest event timestamp it has processed, or {@code Long.MIN_VALUE}. */
    long streamTime();

    /** Wall-clock time in milliseconds as the engine sees it (the test driver's clock in tests). */
    long wallClockTime();

    /** Sends a record to every child of this processor. */
    void forward(Record<?, ?> record);

    /** Sends a record to the named child only. */
    void forward(Record<?, ?> record, String childName);

    /**
     * Calls {@code punctuator} every {@code interval}, of stream time or of wall-clock time. The first call comes
     * one interval after scheduling (for stream time: after the stream time at scheduling, or after the first
     * record's time if none was seen yet). When time jumps over several intervals the punctuator runs once, as in
     * Kafka Streams.
     */
    Cancellable schedule(Duration interval, PunctuationType type, Punctuator punctuator);

    /**
     * The state store with this name, connected to this processor in the topology.
     *
     * @throws IllegalArgumentException if no such store is connected to this processor
     */
    <S extends StateStore> S store(String name);

    /**
     * How many updates per task an aggregation may hold back until the next commit ({@code
     * statestore.cache.max.records}); 0 means forward every update at once.
     */
    long cacheMaxRecords();

    /** Adds one to the job metric {@code name} for this processor, e.g. {@code dropped-late-records}. */
    void count(String metricName);
}
