package io.sluice.engine;

/**
 * Turns values of one type into bytes and back, where records enter or leave a job (sources, sinks, repartition
 * topics, changelogs). Null stays null in both directions, so tombstones pass through. Implementations are
 * stateless and thread-safe.
 *
 * @param <T> the value type
 */
public interface Serde<T> {
    /** The bytes of {@code value}, or null for null. */
    byte[] serialize(T value);

    /** The value of {@code bytes}, or null for null; throws on bytes this serde cannot read. */
    T deserialize(byte[] bytes);

    /** A short name for errors and for checking that stored state was written with the same serde. */
    String name();
}
