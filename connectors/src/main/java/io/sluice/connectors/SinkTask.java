package io.sluice.connectors;

import io.sluice.broker.ConsumerRecord;
import java.util.List;
import java.util.Map;

/**
 * Writes one share of a sink's records out. Called from one thread: {@link #start}, then {@link #put} and
 * {@link #flush} over and over, then {@link #stop}. The offsets of the records put are committed only after a
 * {@link #flush} that returns: a record put but not flushed is delivered again after a restart.
 */
public interface SinkTask {
    /** Starts with this task's config; {@code context} sets aside records the outside system rejects. */
    void start(Map<String, String> config, SinkContext context) throws Exception;

    /** Takes the next records of the task's partitions, in order per partition; may write them or buffer them. */
    void put(List<ConsumerRecord> records) throws Exception;

    /** Makes everything put so far durable outside; throws if it cannot, and nothing is committed. */
    void flush() throws Exception;

    /** Releases what the task holds; called once. */
    void stop() throws Exception;
}
