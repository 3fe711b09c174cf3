package io.sluice.engine;

/** A scheduled callback; see {@link ProcessorContext#schedule}. */
@FunctionalInterface
public interface Punctuator {
    /** @param timestamp the stream time or wall-clock time that triggered the call */
    void punctuate(long timestamp);
}
