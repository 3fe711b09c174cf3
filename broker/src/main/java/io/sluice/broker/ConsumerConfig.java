package io.sluice.broker;

import static io.sluice.broker.config.ConfigDefinition.Type.BOOLEAN;
import static io.sluice.broker.config.ConfigDefinition.Type.INT;
import static io.sluice.broker.config.ConfigDefinition.Type.LONG;
import static io.sluice.broker.config.ConfigDefinition.Type.STRING;

import io.sluice.broker.config.ConfigDefinition;
import io.sluice.broker.config.ConfigDefinition.Check;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Consumer settings, with Kafka's keys and defaults. Immutable and validated.
 *
 * <ul>
 *   <li>{@code group.id} — the consumer group; needed to subscribe and to commit. Empty by default.</li>
 *   <li>{@code auto.offset.reset} — where to start without a committed offset: {@code latest} (default),
 *       {@code earliest}, or {@code none} to fail with {@link OffsetOutOfRangeException}.</li>
 *   <li>{@code enable.auto.commit}, {@code auto.commit.interval.ms} — commit positions periodically (with a
 *       group).</li>
 *   <li>{@code max.poll.records}, {@code max.partition.fetch.bytes} — how much one poll returns and reads.</li>
 *   <li>{@code max.poll.interval.ms} — a group member that does not poll for this long leaves the group.</li>
 *   <li>{@code check.crcs} — verify each batch's CRC32C before returning its records.</li>
 * </ul>
 */
public final class ConsumerConfig {
    public static final String GROUP_ID = "group.id";
    public static final String CLIENT_ID = "client.id";
    public static final String AUTO_OFFSET_RESET = "auto.offset.reset";
    public static final String ENABLE_AUTO_COMMIT = "enable.auto.commit";
    public static final String AUTO_COMMIT_INTERVAL_MS = "auto.commit.interval.ms";
    public static final String MAX_POLL_RECORDS = "max.poll.records";
    public static final String MAX_PARTITION_FETCH_BYTES = "max.partition.fetch.bytes";
    public static final String MAX_POLL_INTERVAL_MS = "max.poll.interval.ms";
    public static final String CHECK_CRCS = "check.crcs";

    private static final ConfigDefinition DEFINITION = new ConfigDefinition("consumer")
            .define(GROUP_ID, STRING, "", v -> ((String) v).getBytes(java.nio.charset.StandardCharsets.UTF_8).length
                            > Short.MAX_VALUE ? "longer than 32767 bytes in UTF-8" : null, "",
                    "the consumer group; required to subscribe and to commit")
            .define(CLIENT_ID, STRING, "", "", "a name for this consumer in logs and group descriptions")
            .define(AUTO_OFFSET_RESET, STRING, "latest", Check.oneOf("latest", "earliest", "none"), "",
                    "where to start without a valid committed offset")
            .define(ENABLE_AUTO_COMMIT, BOOLEAN, true, "", "commit positions periodically (needs group.id)")
            .define(AUTO_COMMIT_INTERVAL_MS, LONG, 5_000L, Check.atLeast(0), "ms", "how often positions are committed")
            .define(MAX_POLL_RECORDS, INT, 500, Check.atLeast(1), "records", "most records one poll returns")
            .define(MAX_PARTITION_FETCH_BYTES, INT, 1_048_576, Check.atLeast(1), "bytes",
                    "bytes read from one partition at a time (at least one whole batch is always read)")
            .define(MAX_POLL_INTERVAL_MS, LONG, 300_000L, Check.atLeast(1), "ms",
                    "a group member that does not poll for this long is removed from the group")
            .define(CHECK_CRCS, BOOLEAN, true, "", "verify each batch's CRC32C before returning its records");

    /** Where a consumer without a committed offset starts. */
    public enum OffsetReset {
        LATEST, EARLIEST, NONE
    }

    private final Map<String, Object> values;

    private ConsumerConfig(Map<String, ?> originals) {
        this.values = Collections.unmodifiableMap(DEFINITION.parse(originals));
    }

    public static ConsumerConfig defaults() {
        return new ConsumerConfig(Map.of());
    }

    public static ConsumerConfig from(Map<String, ?> values) {
        return new ConsumerConfig(values);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The group id, or null if none. */
    public String groupId() {
        String id = (String) values.get(GROUP_ID);
        return id.isEmpty() ? null : id;
    }

    public String clientId() {
        return (String) values.get(CLIENT_ID);
    }

    public OffsetReset autoOffsetReset() {
        return OffsetReset.valueOf(((String) values.get(AUTO_OFFSET_RESET)).toUpperCase(java.util.Locale.ROOT));
    }

    public boolean autoCommit() {
        return (Boolean) values.get(ENABLE_AUTO_COMMIT) && groupId() != null;
    }

    public long autoCommitIntervalMs() {
        return (Long) values.get(AUTO_COMMIT_INTERVAL_MS);
    }

    public int maxPollRecords() {
        return (Integer) values.get(MAX_POLL_RECORDS);
    }

    public int maxPartitionFetchBytes() {
        return (Integer) values.get(MAX_PARTITION_FETCH_BYTES);
    }

    public long maxPollIntervalMs() {
        return (Long) values.get(MAX_POLL_INTERVAL_MS);
    }

    public boolean checkCrcs() {
        return (Boolean) values.get(CHECK_CRCS);
    }

    public Map<String, Object> values() {
        return values;
    }

    @Override
    public String toString() {
        return "ConsumerConfig" + values;
    }

    /** Collects keys and values; {@link #build()} validates them. */
    public static final class Builder {
        private final Map<String, Object> values = new LinkedHashMap<>();

        private Builder() {
        }

        public Builder groupId(String groupId) {
            return set(GROUP_ID, groupId);
        }

        public Builder clientId(String clientId) {
            return set(CLIENT_ID, clientId);
        }

        public Builder autoOffsetReset(OffsetReset reset) {
            return set(AUTO_OFFSET_RESET, reset.name().toLowerCase(java.util.Locale.ROOT));
        }

        public Builder enableAutoCommit(boolean enabled) {
            return set(ENABLE_AUTO_COMMIT, enabled);
        }

        public Builder maxPollRecords(int records) {
            return set(MAX_POLL_RECORDS, records);
        }

        public Builder set(String key, Object value) {
            values.put(key, value);
            return this;
        }

        public ConsumerConfig build() {
            return new ConsumerConfig(values);
        }
    }
}
