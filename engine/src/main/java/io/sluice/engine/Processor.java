package io.sluice.engine;

/**
 * One step of a topology. The engine creates one instance per task from the topology's supplier and calls it from
 * that task's stream thread only: a processor needs no synchronization.
 *
 * @param <K> the input key type
 * @param <V> the input value type
 */
public interface Processor<K, V> {
    /** Called once before the first record; keep the context to forward, schedule and reach stores. */
    default void init(ProcessorContext context) {
    }

    /** Processes one record; forwards any number of records through the context. */
    void process(Record<K, V> record);

    /**
     * Called before every commit, upstream processors first: forward what was held back (such as cached updates),
     * so that the commit covers it.
     */
    default void flush() {
    }

    /** Called once when the task closes; stores are closed by the engine. */
    default void close() {
    }
}
