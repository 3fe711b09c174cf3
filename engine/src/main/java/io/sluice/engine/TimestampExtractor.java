package io.sluice.engine;

/** Takes a record's event time from its content instead of the record timestamp. */
@FunctionalInterface
public interface TimestampExtractor<K, V> {
    /**
     * @param record the deserialized record, with the timestamp stored in the log
     * @return the event time in milliseconds since the epoch; a negative value drops the record (counted)
     */
    long extract(Record<K, V> record);
}
