package io.sluice.engine;

/**
 * A time window {@code [start, end)}: start inclusive, end exclusive, both milliseconds since the epoch. Session
 * windows are the exception: their end is the timestamp of their last record, inclusive.
 */
public record Window(long start, long end) {
    public Window {
        if (end < start) {
            throw new IllegalArgumentException("Invalid window: start=" + start + ", end=" + end);
        }
    }
}
