package io.sluice.connectors.file;

import io.sluice.broker.config.ConfigDefinition;
import io.sluice.connectors.SinkConnector;
import io.sluice.connectors.SinkTask;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Appends the records of its topics to a file, one per line: the value ({@code format=value}, the default), the key
 * and the value separated by a tab ({@code key-value}), or a JSON object with topic, partition, offset, timestamp,
 * key and value ({@code json}). A flush forces the file to disk before the offsets are committed. One task: lines
 * from several would interleave in the file.
 */
public final class FileSinkConnector implements SinkConnector {
    static final String FILE = "file";
    static final String FORMAT = "format";

    @Override
    public ConfigDefinition config() {
        return withFormat(new ConfigDefinition("file sink connector")
                .define(FILE, ConfigDefinition.Type.STRING, null, "", "the file the records are appended to"));
    }

    /** Adds the {@code format} key, which the stdout sink takes too. */
    static ConfigDefinition withFormat(ConfigDefinition definition) {
        return definition.define(FORMAT, ConfigDefinition.Type.STRING, "value",
                ConfigDefinition.Check.oneOf("value", "key-value", "json"), "",
                "value, key-value (tab-separated) or json");
    }

    @Override
    public List<Map<String, String>> taskConfigs(Map<String, String> config, int maxTasks) {
        return List.of(config);
    }

    @Override
    public Supplier<SinkTask> task() {
        return FileSinkTask::new;
    }
}
