package io.sluice.broker;

/** Where a stored record's timestamp comes from; set per topic by {@code message.timestamp.type}. */
public enum TimestampType {
    /** The producer's timestamp: the one set on the record, or the send time if none was set. */
    CREATE_TIME,
    /** The broker's clock when the record was appended to the log. */
    LOG_APPEND_TIME
}
