package io.sluice.broker.internal.log;

import static io.sluice.broker.config.ConfigDefinition.Type.DOUBLE;
import static io.sluice.broker.config.ConfigDefinition.Type.INT;
import static io.sluice.broker.config.ConfigDefinition.Type.LIST;
import static io.sluice.broker.config.ConfigDefinition.Type.LONG;
import static io.sluice.broker.config.ConfigDefinition.Type.STRING;

import io.sluice.broker.TimestampType;
import io.sluice.broker.config.ConfigDefinition;
import io.sluice.broker.config.ConfigDefinition.Check;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The validated, typed configuration of one partition log: a topic's effective config. Keys, defaults and meanings
 * are Kafka's topic configs; each has a broker-wide default under Kafka's broker key ({@link #BROKER_DEFAULT_KEYS}).
 *
 * <p>Flushing: {@code flush.messages=1} fsyncs after every drained run of the ingest ring (a group commit),
 * {@code flush.ms=N} at most N ms after data was written, and the defaults leave flushing to the page cache, as
 * Kafka does.
 */
public record LogConfig(
        boolean delete,
        boolean compact,
        long retentionMs,
        long retentionBytes,
        int segmentBytes,
        long segmentMs,
        int segmentIndexBytes,
        int indexIntervalBytes,
        int maxMessageBytes,
        TimestampType timestampType,
        long timestampBeforeMaxMs,
        long timestampAfterMaxMs,
        long deleteRetentionMs,
        long minCompactionLagMs,
        double minCleanableDirtyRatio,
        long flushMessages,
        long flushMs,
        long fileDeleteDelayMs) {

    public static final String CLEANUP_POLICY = "cleanup.policy";
    public static final String RETENTION_MS = "retention.ms";
    public static final String RETENTION_BYTES = "retention.bytes";
    public static final String SEGMENT_BYTES = "segment.bytes";
    public static final String SEGMENT_MS = "segment.ms";
    public static final String SEGMENT_INDEX_BYTES = "segment.index.bytes";
    public static final String INDEX_INTERVAL_BYTES = "index.interval.bytes";
    public static final String MAX_MESSAGE_BYTES = "max.message.bytes";
    public static final String MESSAGE_TIMESTAMP_TYPE = "message.timestamp.type";
    public static final String MESSAGE_TIMESTAMP_BEFORE_MAX_MS = "message.timestamp.before.max.ms";
    public static final String MESSAGE_TIMESTAMP_AFTER_MAX_MS = "message.timestamp.after.max.ms";
    public static final String DELETE_RETENTION_MS = "delete.retention.ms";
    public static final String MIN_COMPACTION_LAG_MS = "min.compaction.lag.ms";
    public static final String MIN_CLEANABLE_DIRTY_RATIO = "min.cleanable.dirty.ratio";
    public static final String FLUSH_MESSAGES = "flush.messages";
    public static final String FLUSH_MS = "flush.ms";
    public static final String FILE_DELETE_DELAY_MS = "file.delete.delay.ms";

    /** The catalogue of topic config keys. */
    public static final ConfigDefinition DEFINITION = new ConfigDefinition("topic")
            .define(CLEANUP_POLICY, LIST, "delete", Check.listOf("delete", "compact"), "",
                    "delete: remove old segments by retention.ms/retention.bytes; compact: keep the latest value "
                            + "per key; both: compact, then delete by retention")
            .define(RETENTION_MS, LONG, 604_800_000L, Check.atLeast(-1), "ms",
                    "how long a segment is kept after its newest record; -1 keeps forever")
            .define(RETENTION_BYTES, LONG, -1L, Check.atLeast(-1), "bytes",
                    "the partition size beyond which the oldest segments are deleted; -1 for no limit")
            .define(SEGMENT_BYTES, INT, 1_073_741_824, Check.atLeast(14), "bytes",
                    "the size at which a new segment file is started")
            .define(SEGMENT_MS, LONG, 604_800_000L, Check.atLeast(1), "ms",
                    "the age (by record timestamps) at which a new segment file is started")
            .define(SEGMENT_INDEX_BYTES, INT, 10_485_760, Check.atLeast(24), "bytes",
                    "the preallocated size of each segment's offset and time index")
            .define(INDEX_INTERVAL_BYTES, INT, 4096, Check.atLeast(0), "bytes",
                    "bytes of log between two offset-index entries")
            .define(MAX_MESSAGE_BYTES, INT, 1_048_588, Check.atLeast(0), "bytes",
                    "the largest record batch the log accepts")
            .define(MESSAGE_TIMESTAMP_TYPE, STRING, "CreateTime", Check.oneOf("CreateTime", "LogAppendTime"), "",
                    "CreateTime keeps the producer's timestamp; LogAppendTime stamps records with the broker's clock")
            .define(MESSAGE_TIMESTAMP_BEFORE_MAX_MS, LONG, Long.MAX_VALUE, Check.atLeast(0), "ms",
                    "with CreateTime, how far before the broker's clock a record's timestamp may be; further is "
                            + "refused")
            .define(MESSAGE_TIMESTAMP_AFTER_MAX_MS, LONG, 3_600_000L, Check.atLeast(0), "ms",
                    "with CreateTime, how far after the broker's clock a record's timestamp may be; further is "
                            + "refused")
            .define(DELETE_RETENTION_MS, LONG, 86_400_000L, Check.atLeast(0), "ms",
                    "how long a tombstone stays readable on a compacted topic")
            .define(MIN_COMPACTION_LAG_MS, LONG, 0L, Check.atLeast(0), "ms",
                    "the minimum age of a record before compaction may remove it")
            .define(MIN_CLEANABLE_DIRTY_RATIO, DOUBLE, 0.5, Check.between(0, 1), "",
                    "the share of uncompacted bytes at which a compacted log is cleaned")
            .define(FLUSH_MESSAGES, LONG, Long.MAX_VALUE, Check.atLeast(1), "records",
                    "fsync after this many records; 1 fsyncs every drained batch before acknowledging it")
            .define(FLUSH_MS, LONG, Long.MAX_VALUE, Check.atLeast(0), "ms",
                    "fsync data at most this long after it was written")
            .define(FILE_DELETE_DELAY_MS, LONG, 60_000L, Check.atLeast(0), "ms",
                    "how long a deleted segment's files stay open for readers still using them");

    /** Kafka's broker-wide key for the default of each topic key. */
    public static final Map<String, String> BROKER_DEFAULT_KEYS = Map.ofEntries(
            Map.entry("log.cleanup.policy", CLEANUP_POLICY),
            Map.entry("log.retention.ms", RETENTION_MS),
            Map.entry("log.retention.bytes", RETENTION_BYTES),
            Map.entry("log.segment.bytes", SEGMENT_BYTES),
            Map.entry("log.roll.ms", SEGMENT_MS),
            Map.entry("log.index.size.max.bytes", SEGMENT_INDEX_BYTES),
            Map.entry("log.index.interval.bytes", INDEX_INTERVAL_BYTES),
            Map.entry("message.max.bytes", MAX_MESSAGE_BYTES),
            Map.entry("log.message.timestamp.type", MESSAGE_TIMESTAMP_TYPE),
            Map.entry("log.message.timestamp.before.max.ms", MESSAGE_TIMESTAMP_BEFORE_MAX_MS),
            Map.entry("log.message.timestamp.after.max.ms", MESSAGE_TIMESTAMP_AFTER_MAX_MS),
            Map.entry("log.cleaner.delete.retention.ms", DELETE_RETENTION_MS),
            Map.entry("log.cleaner.min.compaction.lag.ms", MIN_COMPACTION_LAG_MS),
            Map.entry("log.cleaner.min.cleanable.ratio", MIN_CLEANABLE_DIRTY_RATIO),
            Map.entry("log.flush.interval.messages", FLUSH_MESSAGES),
            Map.entry("log.flush.interval.ms", FLUSH_MS),
            Map.entry("log.segment.delete.delay.ms", FILE_DELETE_DELAY_MS));

    /** A config with every key at its default. */
    public static LogConfig defaults() {
        return of(Map.of());
    }

    /** Validates topic config values (strings or typed) over the catalogue defaults. */
    public static LogConfig of(Map<String, ?> values) {
        return fromParsed(DEFINITION.parse(values));
    }

    /** Effective config: {@code overrides} over {@code defaults}, both keyed by topic keys. */
    public static LogConfig of(Map<String, ?> defaults, Map<String, ?> overrides) {
        Map<String, Object> merged = new LinkedHashMap<>(defaults);
        merged.putAll(overrides);
        return of(merged);
    }

    private static LogConfig fromParsed(Map<String, Object> v) {
        @SuppressWarnings("unchecked")
        List<String> policy = (List<String>) v.get(CLEANUP_POLICY);
        return new LogConfig(
                policy.contains("delete"),
                policy.contains("compact"),
                (Long) v.get(RETENTION_MS),
                (Long) v.get(RETENTION_BYTES),
                (Integer) v.get(SEGMENT_BYTES),
                (Long) v.get(SEGMENT_MS),
                (Integer) v.get(SEGMENT_INDEX_BYTES),
                (Integer) v.get(INDEX_INTERVAL_BYTES),
                (Integer) v.get(MAX_MESSAGE_BYTES),
                "LogAppendTime".equals(v.get(MESSAGE_TIMESTAMP_TYPE))
                        ? TimestampType.LOG_APPEND_TIME : TimestampType.CREATE_TIME,
                (Long) v.get(MESSAGE_TIMESTAMP_BEFORE_MAX_MS),
                (Long) v.get(MESSAGE_TIMESTAMP_AFTER_MAX_MS),
                (Long) v.get(DELETE_RETENTION_MS),
                (Long) v.get(MIN_COMPACTION_LAG_MS),
                (Double) v.get(MIN_CLEANABLE_DIRTY_RATIO),
                (Long) v.get(FLUSH_MESSAGES),
                (Long) v.get(FLUSH_MS),
                (Long) v.get(FILE_DELETE_DELAY_MS));
    }

    /** Whether every drained run must be fsynced before it is acknowledged. */
    public boolean flushEveryBatch() {
        return flushMessages <= 1;
    }

    /** Whether the flusher must fsync on a timer. */
    public boolean flushOnTimer() {
        return flushMs != Long.MAX_VALUE;
    }
}
