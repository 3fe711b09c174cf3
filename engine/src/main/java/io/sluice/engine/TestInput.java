package io.sluice.engine;

import io.sluice.broker.Header;
import java.time.Instant;
import java.util.List;

/** Sends records into one input topic of a {@link TestDriver}, serialized with the topic's source serdes. */
public final class TestInput<K, V> {
    private final TestDriver driver;
    private final String topic;
    private final Serde<K> keySerde;
    private final Serde<V> valueSerde;

    TestInput(TestDriver driver, String topic, Serde<K> keySerde, Serde<V> valueSerde) {
        this.driver = driver;
        this.topic = topic;
        this.keySerde = keySerde;
        this.valueSerde = valueSerde;
    }

    /** Sends a record stamped with the driver's wall clock. */
    public TestInput<K, V> send(K key, V value) {
        return send(key, value, driver.wallClockMs());
    }

    public TestInput<K, V> send(K key, V value, Instant timestamp) {
        return send(key, value, timestamp.toEpochMilli());
    }

    public TestInput<K, V> send(K key, V value, long timestampMs) {
        driver.send(topic, -1, keySerde.serialize(key), valueSerde.serialize(value), timestampMs, List.of());
        return this;
    }

    /** Sends a record with headers. */
    public TestInput<K, V> send(Record<K, V> record) {
        driver.send(topic, -1, keySerde.serialize(record.key()), valueSerde.serialize(record.value()),
                record.timestamp(), record.headers());
        return this;
    }

    /** Sends bytes as they are, e.g. to test what happens to records the serdes cannot read. */
    public TestInput<K, V> sendBytes(byte[] key, byte[] value, long timestampMs, List<Header> headers) {
        driver.send(topic, -1, key, value, timestampMs, headers);
        return this;
    }
}
