package io.sluice.broker;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A record read from a partition log.
 *
 * @param topic         the topic
 * @param partition     the partition
 * @param offset        the record's offset in its partition
 * @param timestamp     milliseconds since the epoch; see {@code timestampType}
 * @param timestampType whether the timestamp is the producer's or the broker's append time
 * @param key           the key bytes, may be null
 * @param value         the value bytes, may be null
 * @param headers       the headers, never null
 */
public record ConsumerRecord(String topic, int partition, long offset, long timestamp, TimestampType timestampType,
                             byte[] key, byte[] value, List<Header> headers) {

    public ConsumerRecord {
        Objects.requireNonNull(topic, "topic");
        headers = headers == null ? List.of() : headers;
    }

    public TopicPartition topicPartition() {
        return new TopicPartition(topic, partition);
    }

    /** The key decoded as UTF-8, or null. */
    public String keyAsString() {
        return key == null ? null : new String(key, StandardCharsets.UTF_8);
    }

    /** The value decoded as UTF-8, or null. */
    public String valueAsString() {
        return value == null ? null : new String(value, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConsumerRecord r && topic.equals(r.topic) && partition == r.partition
                && offset == r.offset && timestamp == r.timestamp && timestampType == r.timestampType
                && Arrays.equals(key, r.key) && Arrays.equals(value, r.value) && headers.equals(r.headers);
    }

    @Override
    public int hashCode() {
        return Objects.hash(topic, partition, offset);
    }

    @Override
    public String toString() {
        return "ConsumerRecord[" + topic + "-" + partition + "@" + offset + ", timestamp=" + timestamp + " ("
                + timestampType + "), key=" + ProducerRecord.size(key) + ", value=" + ProducerRecord.size(value)
                + ", headers=" + headers.size() + "]";
    }
}
