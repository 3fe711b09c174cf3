package io.sluice.broker;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A topic to create: a name, a partition count and config overrides (Kafka's topic keys: {@code retention.ms},
 * {@code cleanup.policy}, {@code segment.bytes}, …).
 */
public record NewTopic(String name, int partitions, Map<String, String> configs) {

    public NewTopic {
        Objects.requireNonNull(name, "name");
        configs = configs == null ? Map.of() : Map.copyOf(configs);
    }

    public static NewTopic of(String name, int partitions) {
        return new NewTopic(name, partitions, Map.of());
    }

    /** A copy with one more config override. */
    public NewTopic withConfig(String key, String value) {
        Map<String, String> more = new LinkedHashMap<>(configs);
        more.put(key, value);
        return new NewTopic(name, partitions, more);
    }
}
