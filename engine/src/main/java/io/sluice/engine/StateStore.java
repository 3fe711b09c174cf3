package io.sluice.engine;

/**
 * Local state of one task, kept in memory and logged to a compacted changelog topic from which it is restored on
 * start and when a task moves. A store instance belongs to one task and is written by its stream thread only;
 * reads through {@code Job.store} and {@code TestDriver.store} may come from other threads.
 */
public interface StateStore {
    String name();
}
