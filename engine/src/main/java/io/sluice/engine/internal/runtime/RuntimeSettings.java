package io.sluice.engine.internal.runtime;

import io.sluice.engine.internal.task.Metrics;

/**
 * What the stream threads of one job share. {@code encodeOnSend}: whether their producers encode batches
 * themselves ({@code encode.on.send}) because the stream and journal threads together outnumber the cores.
 * {@code maxBuffered}: {@code buffered.records.per.partition}.
 */
public record RuntimeSettings(String applicationId, long commitIntervalMs, long pollMs, int maxPollRecords,
                              int maxBuffered, Metrics metrics, boolean encodeOnSend) {
}
