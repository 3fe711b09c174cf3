package io.sluice.broker;

/**
 * A documented configuration key.
 *
 * @param name         the key, as Kafka names it where the concept is the same
 * @param type         boolean, int, long, double, string or list
 * @param defaultValue the default, as text; null if the key is required
 * @param unit         ms, bytes, records …; empty if none
 * @param doc          what it does
 */
public record ConfigKey(String name, String type, String defaultValue, String unit, String doc) {
}
