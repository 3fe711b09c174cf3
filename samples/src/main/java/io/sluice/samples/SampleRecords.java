package io.sluice.samples;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.broker.ProducerRecord;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/** Building the samples' input records. */
final class SampleRecords {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SampleRecords() {
    }

    /** A record with a String key (or none), a JSON value and a timestamp. */
    static ProducerRecord json(String topic, String key, Object value, String isoTime) {
        try {
            return ProducerRecord.of(topic, key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                    JSON.writeValueAsBytes(value)).withTimestamp(Instant.parse(isoTime).toEpochMilli());
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("Cannot write sample value " + value, e);
        }
    }

    /** A record with a String key (or none), a String value and a timestamp. */
    static ProducerRecord text(String topic, String key, String value, String isoTime) {
        return ProducerRecord.of(topic, key, value).withTimestamp(Instant.parse(isoTime).toEpochMilli());
    }
}
