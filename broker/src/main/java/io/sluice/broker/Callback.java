package io.sluice.broker;

import io.sluice.broker.internal.FailureCallback;
import java.util.function.Consumer;

/**
 * Called once when a sent record is acknowledged or has failed. Runs on a broker thread (the journal, or the flusher
 * for topics that fsync every batch): keep it short and never block in it. In particular, do not send and wait from
 * a callback — the thread that would complete the send is the one waiting.
 */
@FunctionalInterface
public interface Callback {
    /**
     * @param metadata  where the record was stored, or null if it failed
     * @param exception the failure, or null if it succeeded
     */
    void onCompletion(RecordMetadata metadata, Exception exception);

    /**
     * A callback told only of failures. Records that succeed skip it — no call and no {@link RecordMetadata} per
     * record — which is what a sender that only needs to know that something went wrong wants when it sends many.
     */
    static Callback onFailure(Consumer<? super Exception> handler) {
        return new FailureCallback(handler);
    }
}
