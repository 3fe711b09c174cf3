package io.sluice.engine;

/** A key and its value, as stores and test outputs return them. */
public record KeyValue<K, V>(K key, V value) {
    public static <K, V> KeyValue<K, V> of(K key, V value) {
        return new KeyValue<>(key, value);
    }
}
