package io.sluice.engine.internal.task;

import io.sluice.broker.ConsumerRecord;
import io.sluice.broker.Header;
import io.sluice.engine.ProcessingException;
import io.sluice.engine.TaskId;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happens to an input record whose key or value the source's serdes cannot read, by the job's
 * {@code deserialization.error.policy}: fail the task, skip it (logged and counted), or send its raw bytes to the
 * dead-letter topic with the error and its origin in {@code sluice.error.*} headers.
 */
final class DeserializationErrors {
    private static final Logger log = LoggerFactory.getLogger(DeserializationErrors.class);

    private DeserializationErrors() {
    }

    static void handle(TaskSettings settings, RecordCollector collector, TaskId task, ConsumerRecord raw,
                       SourceNode source, RuntimeException e) {
        switch (settings.deserializationPolicy()) {
            case "log-and-continue" -> {
                log.warn("Skipping a record that cannot be deserialized: task={}, topic={}, partition={}, offset={}, "
                        + "error={}", task, raw.topic(), raw.partition(), raw.offset(), e.toString());
                settings.metrics().counter("skipped-records-deserialization", "operator", source.name).increment();
            }
            case "dead-letter" -> {
                List<Header> headers = new ArrayList<>(raw.headers());
                headers.add(header("sluice.error.topic", raw.topic()));
                headers.add(header("sluice.error.partition", Integer.toString(raw.partition())));
                headers.add(header("sluice.error.offset", Long.toString(raw.offset())));
                headers.add(header("sluice.error.operator", source.name));
                headers.add(header("sluice.error.exception", e.getClass().getName()));
                headers.add(header("sluice.error.message", String.valueOf(e.getMessage())));
                collector.send(settings.deadLetterTopic(), RecordCollector.BY_KEY, raw.key(), raw.value(),
                        raw.timestamp(), headers);
                settings.metrics().counter("dead-letter-records", "operator", source.name).increment();
            }
            default -> throw new ProcessingException("Cannot deserialize a record (key serde " + source.keySerde.name()
                    + ", value serde " + source.valueSerde.name() + ")", source.name, task, raw.topic(),
                    raw.partition(), raw.offset(), e);
        }
    }

    private static Header header(String key, String value) {
        return new Header(key, value.getBytes(StandardCharsets.UTF_8));
    }
}
