package io.sluice.connectors;

import java.util.List;
import java.util.Map;

/**
 * Reads one share of a source's work. Called from one thread: {@link #start}, then {@link #poll} over and over, then
 * {@link #stop}.
 */
public interface SourceTask {
    /** Starts with this task's config (the connector's, plus what {@link SourceConnector#taskConfigs} added). */
    void start(Map<String, String> config, SourceContext context) throws Exception;

    /**
     * The next records, in order, or an empty list if there are none yet; may wait a little (up to about a second)
     * for some, but not longer: the runtime stores offsets and stops between polls. Null when the source has ended
     * for good (standard input closed): the task then stops.
     */
    List<SourceRecord> poll() throws Exception;

    /**
     * The broker acknowledged a record this task returned (called on a producer thread, in order per topic
     * partition); for a source that answers its own clients only once their records are stored.
     */
    default void acknowledged(SourceRecord record) {
    }

    /**
     * A record this task returned could not be stored (called on a producer thread); the task stops after this
     * poll, its offsets as last stored.
     */
    default void failed(SourceRecord record, Exception error) {
    }

    /** Releases what the task holds; called once, after the last poll. */
    void stop() throws Exception;
}
