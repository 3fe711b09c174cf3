package io.sluice.connectors;

import io.sluice.broker.ConsumerRecord;

/** What a sink task can ask of the runtime. */
public interface SinkContext {
    /**
     * Sets a record aside that the outside system will never take (bad data, not a passing failure): it goes to the
     * connector's dead-letter topic ({@code errors.deadletterqueue.topic.name}) with the reason in its headers, and
     * the task goes on. Without a dead-letter topic the task fails with {@code reason}.
     */
    void reject(ConsumerRecord record, Exception reason);
}
