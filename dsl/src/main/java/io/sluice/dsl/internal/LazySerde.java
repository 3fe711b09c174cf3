package io.sluice.dsl.internal;

import io.sluice.engine.Serde;

/**
 * A serde decided when the pipeline is built: the one given in the chain, or else the pipeline's default. Lets
 * operators be declared before the default is set, and lets {@code build()} name every place a serde is missing.
 */
public final class LazySerde<T> implements Serde<T> {
    private final Serde<T> given;
    private final String where;
    private Serde<T> resolved;

    public LazySerde(Serde<T> given, String where) {
        this.given = given;
        this.where = where;
    }

    public Serde<T> given() {
        return given;
    }

    public String where() {
        return where;
    }

    /** Settles on the given serde or the default; false if neither exists. */
    @SuppressWarnings("unchecked")
    public boolean resolve(Serde<?> fallback) {
        resolved = given != null ? given : (Serde<T>) fallback;
        return resolved != null;
    }

    private Serde<T> serde() {
        if (resolved == null) {
            throw new IllegalStateException("Serde not resolved: " + where);
        }
        return resolved;
    }

    @Override
    public byte[] serialize(T value) {
        return serde().serialize(value);
    }

    @Override
    public T deserialize(byte[] bytes) {
        return serde().deserialize(bytes);
    }

    @Override
    public String name() {
        return resolved != null ? resolved.name() : given != null ? given.name() : "unresolved";
    }
}
