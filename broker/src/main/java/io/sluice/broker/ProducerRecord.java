package io.sluice.broker;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * An event to publish: a topic, an optional partition, key and value bytes (either may be null), a timestamp and
 * headers. Immutable; the {@code with…} methods return copies.
 *
 * <p>Without an explicit partition, a record with a key goes to the partition Kafka clients would choose
 * (murmur2 of the key), so a key lands on the same partition whichever client wrote it; records without a key are
 * spread over the partitions.
 *
 * @param topic     the topic name
 * @param partition the partition, or {@link #ANY_PARTITION} to let the producer choose
 * @param key       the key bytes, may be null
 * @param value     the value bytes, may be null (a tombstone on compacted topics)
 * @param timestamp milliseconds since the epoch, or {@link #NO_TIMESTAMP} for the send time
 * @param headers   the headers, never null
 */
public record ProducerRecord(String topic, int partition, byte[] key, byte[] value, long timestamp,
                             List<Header> headers) {

    /** Partition value meaning: let the producer choose. */
    public static final int ANY_PARTITION = -1;
    /** Timestamp value meaning: use the time of {@code send}. */
    public static final long NO_TIMESTAMP = -1L;

    public ProducerRecord {
        Objects.requireNonNull(topic, "topic");
        if (partition < ANY_PARTITION) {
            throw new IllegalArgumentException("Invalid partition: topic=" + topic + ", partition=" + partition);
        }
        if (timestamp < NO_TIMESTAMP) {
            throw new IllegalArgumentException("Invalid timestamp: topic=" + topic + ", timestamp=" + timestamp);
        }
        headers = headers == null || headers.isEmpty() ? List.of() : List.copyOf(headers);
    }

    /** A record with key and value bytes, partitioned by key. */
    public static ProducerRecord of(String topic, byte[] key, byte[] value) {
        return new ProducerRecord(topic, ANY_PARTITION, key, value, NO_TIMESTAMP, List.of());
    }

    /** A record with UTF-8 encoded key and value, partitioned by key. */
    public static ProducerRecord of(String topic, String key, String value) {
        return of(topic, utf8(key), utf8(value));
    }

    /** A record without a key. */
    public static ProducerRecord of(String topic, byte[] value) {
        return of(topic, null, value);
    }

    public ProducerRecord withPartition(int partition) {
        return new ProducerRecord(topic, partition, key, value, timestamp, headers);
    }

    public ProducerRecord withTimestamp(long timestamp) {
        return new ProducerRecord(topic, partition, key, value, timestamp, headers);
    }

    public ProducerRecord withHeaders(List<Header> headers) {
        return new ProducerRecord(topic, partition, key, value, timestamp, headers);
    }

    public ProducerRecord withHeader(String key, byte[] value) {
        List<Header> more = new ArrayList<>(headers.size() + 1);
        more.addAll(headers);
        more.add(new Header(key, value));
        return new ProducerRecord(topic, partition, this.key, this.value, timestamp, more);
    }

    private static byte[] utf8(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ProducerRecord r && topic.equals(r.topic) && partition == r.partition
                && timestamp == r.timestamp && java.util.Arrays.equals(key, r.key)
                && java.util.Arrays.equals(value, r.value) && headers.equals(r.headers);
    }

    @Override
    public int hashCode() {
        return Objects.hash(topic, partition, timestamp, java.util.Arrays.hashCode(key),
                java.util.Arrays.hashCode(value), headers);
    }

    @Override
    public String toString() {
        return "ProducerRecord[topic=" + topic + ", partition=" + partition + ", key=" + size(key) + ", value="
                + size(value) + ", timestamp=" + timestamp + ", headers=" + headers.size() + "]";
    }

    static String size(byte[] bytes) {
        return bytes == null ? "null" : bytes.length + " bytes";
    }
}
