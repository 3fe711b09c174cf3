package io.sluice.broker;

/**
 * Called once when a sent record is acknowledged or has failed. Runs on a broker thread: keep it short and
 * never block in it.
 */
@FunctionalInterface
public interface Callback {
    /**
     * @param metadata  where the record was stored, or null if it failed
     * @param exception the failure, or null if it succeeded
     */
    void onCompletion(RecordMetadata metadata, Exception exception);
}
