package io.sluice.broker;

/**
 * The result of an offset lookup by timestamp: the earliest offset whose record timestamp is at or after the
 * requested time, and that record's timestamp.
 */
public record OffsetAndTimestamp(long offset, long timestamp) {
}
