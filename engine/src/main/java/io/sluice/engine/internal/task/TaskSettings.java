package io.sluice.engine.internal.task;

import io.sluice.engine.LatencyProfile;
import java.nio.file.Path;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * What every task of a job shares: its id, error policy, metrics and clock.
 *
 * @param deserializationPolicy {@code fail}, {@code log-and-continue} or {@code dead-letter}
 * @param cacheMaxRecords       updates an aggregation may hold back per task until the next commit
 * @param stateDir              where persistent stores live: {@code <stateDir>/<task>/<store>}
 * @param profile               where sampled records' operator latencies go, or null when profiling is off
 * @param profileSampleOneIn    one input record in this many is profiled (when {@code profile} is set)
 * @param sourceTopicChangelogs the stores restored from their source topic rather than a changelog of their own
 */
public record TaskSettings(String applicationId, String deserializationPolicy, String deadLetterTopic,
                           Metrics metrics, LongSupplier wallClock, long cacheMaxRecords,
                           Path stateDir, LatencyProfile profile, int profileSampleOneIn,
                           Set<String> sourceTopicChangelogs) {
}
