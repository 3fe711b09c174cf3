package io.sluice.connectors;

import io.sluice.broker.Header;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A record a source task read, with where it came from: {@code sourcePartition} names the stream it was read from
 * (a file, a table) and {@code sourceOffset} the position just after it, which the source resumes from once the
 * record is stored. Both are small maps of strings and numbers, stored as JSON; empty maps for a source that
 * cannot resume (standard input), whose positions are not stored.
 */
public record SourceRecord(Map<String, ?> sourcePartition, Map<String, ?> sourceOffset, String topic, byte[] key,
                           byte[] value, List<Header> headers, long timestamp) {
    /** No timestamp: the producer takes the current time. */
    public static final long NO_TIMESTAMP = -1;

    public SourceRecord {
        Objects.requireNonNull(sourcePartition, "sourcePartition");
        Objects.requireNonNull(sourceOffset, "sourceOffset");
        Objects.requireNonNull(topic, "topic");
        headers = headers == null ? List.of() : List.copyOf(headers);
    }

    /** A record with a UTF-8 value, no key, no headers, the current time. */
    public static SourceRecord of(Map<String, ?> sourcePartition, Map<String, ?> sourceOffset, String topic,
                                  String value) {
        return new SourceRecord(sourcePartition, sourceOffset, topic, null,
                value == null ? null : value.getBytes(StandardCharsets.UTF_8), List.of(), NO_TIMESTAMP);
    }
}
