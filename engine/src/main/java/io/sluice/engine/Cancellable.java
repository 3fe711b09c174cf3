package io.sluice.engine;

/** A scheduled punctuation that can be stopped. */
@FunctionalInterface
public interface Cancellable {
    void cancel();
}
