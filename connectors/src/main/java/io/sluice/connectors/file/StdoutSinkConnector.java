package io.sluice.connectors.file;

import io.sluice.broker.config.ConfigDefinition;
import io.sluice.connectors.SinkConnector;
import io.sluice.connectors.SinkTask;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A topic's records to standard output, one per line, for shell pipelines; formats as {@link FileSinkConnector}'s
 * ({@code format=value|key-value|json}). One task.
 */
public final class StdoutSinkConnector implements SinkConnector {
    @Override
    public ConfigDefinition config() {
        return FileSinkConnector.withFormat(new ConfigDefinition("stdout sink connector"));
    }

    @Override
    public List<Map<String, String>> taskConfigs(Map<String, String> config, int maxTasks) {
        return List.of(config);
    }

    @Override
    public Supplier<SinkTask> task() {
        return () -> new FileSinkTask(System.out);
    }
}
