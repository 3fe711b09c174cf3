package io.sluice.connectors.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.broker.Admin;
import io.sluice.broker.Cluster;
import io.sluice.broker.Consumer;
import io.sluice.broker.ConsumerRecord;
import io.sluice.broker.NewTopic;
import io.sluice.broker.Producer;
import io.sluice.broker.ProducerRecord;
import io.sluice.broker.TopicPartition;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Source offsets in a compacted topic, as Kafka Connect keeps them: key {@code ["connector",{partition}]}, value
 * {@code {offset}}, both JSON with sorted keys so that equal maps give equal keys. Read whole on start; written
 * after the records they follow are acknowledged. Thread-safe.
 */
public final class OffsetStore implements AutoCloseable {
    public static final String TOPIC = "connect-offsets";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Cluster cluster;
    private final Producer producer;
    private final Map<String, Map<String, Object>> offsets = new ConcurrentHashMap<>();

    private OffsetStore(Cluster cluster) {
        this.cluster = cluster;
        this.producer = cluster.producer();
    }

    /** Creates the topic if needed and reads every offset stored in it. */
    public static OffsetStore open(Cluster cluster) {
        try (Admin admin = cluster.admin()) {
            if (!admin.listTopics().contains(TOPIC)) {
                admin.createTopic(NewTopic.of(TOPIC, 1).withConfig("cleanup.policy", "compact"));
            }
        }
        OffsetStore store = new OffsetStore(cluster);
        store.load();
        return store;
    }

    @SuppressWarnings("unchecked")
    private void load() {
        try (Consumer consumer = cluster.consumer()) {
            TopicPartition tp = new TopicPartition(TOPIC, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long end = consumer.endOffsets(List.of(tp)).get(tp);
            while (consumer.position(tp) < end) {
                for (ConsumerRecord r : consumer.poll(Duration.ofMillis(100))) {
                    String key = r.keyAsString();
                    if (key == null) {
                        continue;
                    }
                    if (r.value() == null) {
                        offsets.remove(key);
                    } else {
                        try {
                            offsets.put(key, JSON.readValue(r.value(), Map.class));
                        } catch (java.io.IOException e) {
                            throw new IllegalStateException("Unreadable stored offset in " + TOPIC + " at offset "
                                    + r.offset() + ": " + e.getMessage(), e);
                        }
                    }
                }
            }
        }
    }

    /** The stored offset of one source partition of a connector, or null. */
    public Map<String, Object> offset(String connector, Map<String, ?> sourcePartition) {
        Map<String, Object> offset = offsets.get(key(connector, sourcePartition));
        return offset == null ? null : Map.copyOf(offset);
    }

    /** Stores offsets (by source partition) durably, then makes them visible. */
    public void write(String connector, Map<Map<String, ?>, Map<String, ?>> byPartition) {
        if (byPartition.isEmpty()) {
            return;
        }
        Map<String, Map<String, Object>> written = new java.util.HashMap<>();
        List<java.util.concurrent.CompletableFuture<?>> sends = new java.util.ArrayList<>();
        byPartition.forEach((partition, offset) -> {
            String key = key(connector, partition);
            Map<String, Object> value = new TreeMap<>(offset);
            sends.add(producer.send(ProducerRecord.of(TOPIC, key.getBytes(StandardCharsets.UTF_8), json(value))
                    .withPartition(0)));
            written.put(key, value);
        });
        producer.flush();
        sends.forEach(java.util.concurrent.CompletableFuture::join); // a failed write throws: nothing is taken
        offsets.putAll(written);
    }

    @Override
    public void close() {
        producer.close();
    }

    private static String key(String connector, Map<String, ?> partition) {
        return new String(json(List.of(connector, new TreeMap<>(partition))), StandardCharsets.UTF_8);
    }

    private static byte[] json(Object value) {
        try {
            return JSON.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("A source partition or offset that is not JSON: " + value, e);
        }
    }
}
