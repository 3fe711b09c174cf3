package io.sluice.broker.internal;

import io.sluice.broker.Callback;
import io.sluice.broker.RecordMetadata;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A callback that wants to hear of failures only ({@link Callback#onFailure}): the broker skips it for records that
 * succeed, so that a sender of millions of records pays for neither a call nor a {@link RecordMetadata} per record.
 */
public final class FailureCallback implements Callback {
    private final Consumer<? super Exception> handler;

    public FailureCallback(Consumer<? super Exception> handler) {
        this.handler = Objects.requireNonNull(handler, "handler");
    }

    /** Whether {@code callback} is to be called when its record succeeds. */
    public static boolean wantsSuccess(Callback callback) {
        return callback != null && !(callback instanceof FailureCallback);
    }

    @Override
    public void onCompletion(RecordMetadata metadata, Exception exception) {
        if (exception != null) {
            handler.accept(exception);
        }
    }
}
