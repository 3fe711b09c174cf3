package io.sluice.engine.internal.task;

import io.sluice.engine.Cancellable;
import io.sluice.engine.Punctuator;

/** A scheduled punctuation of one processor; due time moves on after each call. Used by one thread. */
final class Punctuation implements Cancellable {
    final ProcessorNode node;
    final long intervalMs;
    final Punctuator punctuator;
    long dueMs;
    boolean cancelled;

    Punctuation(ProcessorNode node, long intervalMs, Punctuator punctuator, long dueMs) {
        this.node = node;
        this.intervalMs = intervalMs;
        this.punctuator = punctuator;
        this.dueMs = dueMs;
    }

    /** Runs if due at {@code now}; a jump over several intervals runs it once. */
    boolean maybeRun(long now) {
        if (cancelled || dueMs == Long.MIN_VALUE || now < dueMs) {
            return false;
        }
        long next = dueMs + intervalMs;
        dueMs = now >= next ? now + intervalMs : next;
        node.punctuate(punctuator, now);
        return true;
    }

    @Override
    public void cancel() {
        cancelled = true;
    }
}
