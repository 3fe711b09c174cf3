package io.sluice.engine;

import static io.sluice.broker.config.ConfigDefinition.Type.INT;
import static io.sluice.broker.config.ConfigDefinition.Type.LONG;
import static io.sluice.broker.config.ConfigDefinition.Type.STRING;

import io.sluice.broker.config.ConfigDefinition;
import io.sluice.broker.config.ConfigDefinition.Check;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Settings of a running job, with Kafka Streams' keys where the concept is the same. Immutable and validated; an
 * unknown or invalid key fails with an error that names it.
 *
 * <ul>
 *   <li>{@code num.stream.threads} — threads that run the job's tasks (default 1).</li>
 *   <li>{@code commit.interval.ms} — how often outputs and changelogs are flushed and then input offsets committed
 *       (at-least-once; default 1000).</li>
 *   <li>{@code deserialization.error.policy} — a record whose key or value cannot be read: {@code fail} (default)
 *       stops the job, {@code log-and-continue} skips it (counted), {@code dead-letter} writes the raw record with
 *       the error in headers to {@code dead.letter.topic}.</li>
 *   <li>{@code statestore.cache.max.records} — how many updates per task an aggregation may hold back until the
 *       next commit, forwarding only the latest per key (Kafka Streams' record cache, counted in records; default
 *       0: every update is forwarded at once, for the lowest latency). Stores are updated at once either way.</li>
 *   <li>{@code state.dir} — where persistent (RocksDB) stores live (default {@code <java.io.tmpdir>/sluice-state}).
 *       </li>
 *   <li>{@code profile.sample.one.in} — time one input record in N through every operator, into the histograms of
 *       {@link Job#latencyProfile()} (default 0: off; 16 costs a few percent of throughput).</li>
 *   <li>{@code uncaught.error.policy} — a processing error: {@code shutdown} (default) stops the whole job;
 *       {@code replace-thread} restarts the failed thread's tasks from their last commit.</li>
 * </ul>
 */
public final class JobConfig {
    public static final String NUM_STREAM_THREADS = "num.stream.threads";
    public static final String COMMIT_INTERVAL_MS = "commit.interval.ms";
    public static final String POLL_MS = "poll.ms";
    public static final String MAX_POLL_RECORDS = "max.poll.records";
    public static final String BUFFERED_RECORDS_PER_PARTITION = "buffered.records.per.partition";
    public static final String DESERIALIZATION_ERROR_POLICY = "deserialization.error.policy";
    public static final String DEAD_LETTER_TOPIC = "dead.letter.topic";
    public static final String UNCAUGHT_ERROR_POLICY = "uncaught.error.policy";
    public static final String CACHE_MAX_RECORDS = "statestore.cache.max.records";
    public static final String STATE_DIR = "state.dir";
    public static final String PROFILE_SAMPLE_ONE_IN = "profile.sample.one.in";

    static final ConfigDefinition DEFINITION = new ConfigDefinition("job")
            .define(NUM_STREAM_THREADS, INT, 1, Check.atLeast(1), "threads", "threads that run the job's tasks")
            .define(COMMIT_INTERVAL_MS, LONG, 1_000L, Check.atLeast(1), "ms",
                    "how often outputs and changelogs are flushed, then input offsets committed")
            .define(POLL_MS, LONG, 100L, Check.atLeast(0), "ms", "how long a stream thread waits for input")
            .define(MAX_POLL_RECORDS, INT, 1_000, Check.atLeast(1), "records",
                    "records a stream thread takes from the broker per poll")
            .define(BUFFERED_RECORDS_PER_PARTITION, INT, 1_000, Check.atLeast(1), "records",
                    "records of one input a task may hold while it waits for another input to be read; past "
                            + "that the input is not fetched until the task has worked them off")
            .define(DESERIALIZATION_ERROR_POLICY, STRING, "fail",
                    Check.oneOf("fail", "log-and-continue", "dead-letter"), "",
                    "what to do with a record whose key or value cannot be deserialized")
            .define(DEAD_LETTER_TOPIC, STRING, "", "",
                    "where dead-letter records go; default <application.id>-dead-letters")
            .define(CACHE_MAX_RECORDS, LONG, 0L, Check.atLeast(0), "records",
                    "updates per task an aggregation may hold back and merge until the next commit; 0 forwards "
                            + "every update at once")
            .define(STATE_DIR, STRING, System.getProperty("java.io.tmpdir") + "/sluice-state", "",
                    "where persistent (RocksDB) stores live; rebuilt from their changelogs on start")
            .define(PROFILE_SAMPLE_ONE_IN, INT, 0, Check.atLeast(0), "records",
                    "time each operator for one input record in this many, into latency histograms "
                            + "(Job.latencyProfile); 0: off")
            .define(UNCAUGHT_ERROR_POLICY, STRING, "shutdown", Check.oneOf("shutdown", "replace-thread"), "",
                    "what a processing error does: stop the job, or restart the thread's tasks from their last "
                            + "commit");

    private final Map<String, Object> values;

    private JobConfig(Map<String, ?> originals) {
        this.values = Collections.unmodifiableMap(DEFINITION.parse(originals));
    }

    public static JobConfig defaults() {
        return new JobConfig(Map.of());
    }

    /** A config from keys and values (strings or typed values); fails on an unknown or invalid key. */
    public static JobConfig from(Map<String, ?> values) {
        return new JobConfig(values);
    }

    /** The same config with one key set. */
    public JobConfig with(String key, Object value) {
        Map<String, Object> copy = new LinkedHashMap<>(values);
        copy.put(key, value);
        return new JobConfig(copy);
    }

    public int numStreamThreads() {
        return (Integer) values.get(NUM_STREAM_THREADS);
    }

    public long commitIntervalMs() {
        return (Long) values.get(COMMIT_INTERVAL_MS);
    }

    public long pollMs() {
        return (Long) values.get(POLL_MS);
    }

    public int maxPollRecords() {
        return (Integer) values.get(MAX_POLL_RECORDS);
    }

    public int bufferedRecordsPerPartition() {
        return (Integer) values.get(BUFFERED_RECORDS_PER_PARTITION);
    }

    public String deserializationErrorPolicy() {
        return (String) values.get(DESERIALIZATION_ERROR_POLICY);
    }

    /** The dead-letter topic of the job {@code applicationId}. */
    public String deadLetterTopic(String applicationId) {
        String topic = (String) values.get(DEAD_LETTER_TOPIC);
        return topic.isEmpty() ? applicationId + "-dead-letters" : topic;
    }

    public long cacheMaxRecords() {
        return (Long) values.get(CACHE_MAX_RECORDS);
    }

    /** The directory of the persistent stores of the job {@code applicationId}. */
    public java.nio.file.Path stateDir(String applicationId) {
        return java.nio.file.Path.of((String) values.get(STATE_DIR), applicationId);
    }

    /** One input record in this many is timed through the topology; 0 when profiling is off. */
    public int profileSampleOneIn() {
        return (Integer) values.get(PROFILE_SAMPLE_ONE_IN);
    }

    public boolean replaceThreadOnError() {
        return "replace-thread".equals(values.get(UNCAUGHT_ERROR_POLICY));
    }

    public Map<String, Object> values() {
        return values;
    }

    @Override
    public String toString() {
        return "JobConfig" + values;
    }
}
