package io.sluice.engine.internal.task;

import java.nio.file.Path;
import java.util.function.LongSupplier;

/**
 * What every task of a job shares: its id, error policy, metrics and clock.
 *
 * @param deserializationPolicy {@code fail}, {@code log-and-continue} or {@code dead-letter}
 * @param cacheMaxRecords       updates an aggregation may hold back per task until the next commit
 * @param stateDir              where persistent stores live: {@code <stateDir>/<task>/<store>}
 */
public record TaskSettings(String applicationId, String deserializationPolicy, String deadLetterTopic,
                           Metrics metrics, LongSupplier wallClock, long cacheMaxRecords,
                           Path stateDir) {
}
