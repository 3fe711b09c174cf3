package io.sluice.connectors;

import io.sluice.broker.config.ConfigDefinition;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Exports the records of its {@code topics} to outside: names its config keys, splits its work into task configs
 * (the tasks share the topics' partitions through a consumer group) and makes the tasks. An implementation has a
 * public no-argument constructor, so that {@code connector.class} can name it.
 */
public interface SinkConnector {
    /**
     * The keys it takes beyond the common ones: {@code name}, {@code connector.class}, {@code tasks.max},
     * {@code topics}.
     */
    ConfigDefinition config();

    /** One config per task, at most {@code maxTasks}; by default every task gets the connector's config. */
    default List<Map<String, String>> taskConfigs(Map<String, String> config, int maxTasks) {
        return java.util.Collections.nCopies(maxTasks, config);
    }

    /**
     * Checks what the keys' own checks cannot — keys that depend on each other — and throws an
     * {@link io.sluice.broker.InvalidConfigException} naming the key; called before anything starts.
     */
    default void validate(Map<String, String> config) {
    }

    /** Makes a task. */
    Supplier<SinkTask> task();
}
