package io.sluice.connectors;

import io.sluice.broker.config.ConfigDefinition;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Imports records from outside into topics: names its config keys, splits its work into task configs, and makes
 * the tasks. An implementation has a public no-argument constructor, so that {@code connector.class} can name it.
 */
public interface SourceConnector {
    /** The keys it takes beyond the common ones ({@code name}, {@code connector.class}, {@code tasks.max}). */
    ConfigDefinition config();

    /**
     * One config per task, at most {@code maxTasks}; each holds the connector's config and the task's share. By
     * default one task, with the connector's config: a source that can split its work says how.
     */
    default List<Map<String, String>> taskConfigs(Map<String, String> config, int maxTasks) {
        return List.of(config);
    }

    /**
     * Checks what the keys' own checks cannot — keys that depend on each other — and throws an
     * {@link io.sluice.broker.InvalidConfigException} naming the key; called before anything starts.
     */
    default void validate(Map<String, String> config) {
    }

    /** Makes a task. */
    Supplier<SourceTask> task();
}
