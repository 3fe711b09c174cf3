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

    /**
     * Whether records this processor took in are held back right now — neither in a store nor forwarded — until
     * the next {@link #flush}, as a count ahead of a repartition topic holds them. While one is, its task's input
     * does not count as processed, and the engine flushes the processor as soon as the task's input runs dry
     * rather than at the next commit.
     */
    default boolean holdsInput() {
        return false;
    }

    /** Called once when the task closes; stores are closed by the engine. */
    default void close() {
    }
}
