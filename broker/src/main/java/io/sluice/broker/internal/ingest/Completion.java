package io.sluice.broker.internal.ingest;

/**
 * Notified once when a record has been appended (and fsynced, if the topic asks for it) or has failed. Runs on the
 * journal thread: implementations must be quick and must not block.
 */
public interface Completion {
    void onAppended(long offset, long timestamp);

    void onFailed(RuntimeException error);
}
