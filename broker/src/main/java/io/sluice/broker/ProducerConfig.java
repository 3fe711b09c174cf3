package io.sluice.broker;

import static io.sluice.broker.config.ConfigDefinition.Type.BOOLEAN;
import static io.sluice.broker.config.ConfigDefinition.Type.INT;
import static io.sluice.broker.config.ConfigDefinition.Type.STRING;

import io.sluice.broker.config.ConfigDefinition;
import io.sluice.broker.config.ConfigDefinition.Check;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Producer settings, with Kafka's keys. Immutable and validated.
 *
 * <ul>
 *   <li>{@code acks} — {@code 0}: do not wait for the append; {@code 1} or {@code all} (default): complete once
 *       the record is in the partition log (on a single broker the two are the same).</li>
 *   <li>{@code batch.size} — records without a key stick to one partition for this many bytes before moving on,
 *       so that they form large batches (Kafka's sticky partitioning); with {@code encode.on.send}, also the
 *       largest batch the producer encodes (a larger record goes in a batch of its own).</li>
 *   <li>{@code client.id} — a name for logs.</li>
 *   <li>{@code encode.on.send} — {@link Producer#sendAll} encodes each partition's records into a batch on the
 *       sending thread, as Kafka's producers do, and the journal appends it as it is. Otherwise (default) the
 *       journal encodes the records, on its own core. Worth it when sending threads and journal threads together
 *       outnumber the cores: a journal then has no core to spare, and fetching each key and value from another
 *       core's cache is most of its work.</li>
 *   <li>{@code wake.on.hand.off} — each send puts its record in the ring at once, but wakes a journal that sleeps
 *       for want of records only at {@link Producer#handOff}, {@code flush} or {@code close} (or when the ring is
 *       full). For a producer that one thread uses to send records in bursts, as a stream thread does: woken for
 *       each record, the journal takes the sender's core for a moment each time on a busy machine. The thread
 *       must call {@code handOff} after each burst, or its records wait for the next.</li>
 * </ul>
 */
public final class ProducerConfig {
    public static final String ACKS = "acks";
    public static final String BATCH_SIZE = "batch.size";
    public static final String CLIENT_ID = "client.id";
    public static final String ENCODE_ON_SEND = "encode.on.send";
    public static final String WAKE_ON_HAND_OFF = "wake.on.hand.off";

    private static final ConfigDefinition DEFINITION = new ConfigDefinition("producer")
            .define(ACKS, STRING, "all", Check.oneOf("0", "1", "all", "-1"), "",
                    "0: do not wait for the append; 1 or all: wait until the record is stored")
            .define(BATCH_SIZE, INT, 16_384, Check.atLeast(1), "bytes",
                    "bytes sent to one partition by records without a key before switching partition")
            .define(CLIENT_ID, STRING, "", "", "a name for this producer in logs")
            .define(ENCODE_ON_SEND, BOOLEAN, false, "",
                    "sendAll encodes batches on the sending thread instead of the journal's")
            .define(WAKE_ON_HAND_OFF, BOOLEAN, false, "",
                    "sends wake an idle journal only at handOff, flush or close (one sending thread, bursts)");

    private final Map<String, Object> values;

    private ProducerConfig(Map<String, ?> originals) {
        this.values = Collections.unmodifiableMap(DEFINITION.parse(originals));
    }

    public static ProducerConfig defaults() {
        return new ProducerConfig(Map.of());
    }

    public static ProducerConfig from(Map<String, ?> values) {
        return new ProducerConfig(values);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Whether sends wait for the append ({@code acks} other than 0). */
    public boolean waitForAppend() {
        return !"0".equals(values.get(ACKS));
    }

    public String acks() {
        return (String) values.get(ACKS);
    }

    public int batchSizeBytes() {
        return (Integer) values.get(BATCH_SIZE);
    }

    public String clientId() {
        return (String) values.get(CLIENT_ID);
    }

    public boolean wakeOnHandOff() {
        return (Boolean) values.get(WAKE_ON_HAND_OFF);
    }

    public boolean encodeOnSend() {
        return (Boolean) values.get(ENCODE_ON_SEND);
    }

    public Map<String, Object> values() {
        return values;
    }

    @Override
    public String toString() {
        return "ProducerConfig" + values;
    }

    /** Collects keys and values; {@link #build()} validates them. */
    public static final class Builder {
        private final Map<String, Object> values = new LinkedHashMap<>();

        private Builder() {
        }

        public Builder acks(String acks) {
            return set(ACKS, acks);
        }

        public Builder clientId(String clientId) {
            return set(CLIENT_ID, clientId);
        }

        public Builder set(String key, Object value) {
            values.put(key, value);
            return this;
        }

        public ProducerConfig build() {
            return new ProducerConfig(values);
        }
    }
}
