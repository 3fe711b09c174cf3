package io.sluice.engine.internal.runtime;

import io.sluice.engine.internal.task.Metrics;

/** What the stream threads of one job share. */
public record RuntimeSettings(String applicationId, long commitIntervalMs, long pollMs, int maxPollRecords,
                              Metrics metrics) {
}
