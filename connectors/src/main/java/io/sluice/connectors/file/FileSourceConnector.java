package io.sluice.connectors.file;

import io.sluice.broker.config.ConfigDefinition;
import io.sluice.connectors.SourceConnector;
import io.sluice.connectors.SourceTask;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Tails files into a topic, one record per line (the line's UTF-8 bytes as the value, without its line end).
 * Survives rotation — a file renamed away and replaced, or truncated in place — and resumes from the position
 * stored after its last acknowledged line, in the same file (its identity is stored beside the position: a file
 * replaced while the source was stopped is read from its start). A line over 1 MiB becomes several records.
 * Keys: {@code file} (one or more paths, split among the tasks), {@code topic}, {@code batch.max.lines}.
 */
public final class FileSourceConnector implements SourceConnector {
    static final String FILE = "file";
    static final String TOPIC = "topic";
    static final String BATCH_MAX_LINES = "batch.max.lines";

    @Override
    public ConfigDefinition config() {
        return new ConfigDefinition("file source connector")
                .define(FILE, ConfigDefinition.Type.LIST, null, "", "the files to tail, comma-separated")
                .define(TOPIC, ConfigDefinition.Type.STRING, null, "", "the topic their lines go to")
                .define(BATCH_MAX_LINES, ConfigDefinition.Type.INT, 10_000, ConfigDefinition.Check.atLeast(1), "",
                        "the most lines one poll returns");
    }

    @Override
    public List<Map<String, String>> taskConfigs(Map<String, String> config, int maxTasks) {
        List<String> files = List.of(config.get(FILE).split("\\s*,\\s*"));
        int tasks = Math.min(maxTasks, files.size());
        List<Map<String, String>> configs = new ArrayList<>();
        for (int t = 0; t < tasks; t++) {
            List<String> mine = new ArrayList<>();
            for (int f = t; f < files.size(); f += tasks) {
                mine.add(files.get(f));
            }
            Map<String, String> c = new LinkedHashMap<>(config);
            c.put(FILE, String.join(",", mine));
            configs.add(c);
        }
        return configs;
    }

    @Override
    public Supplier<SourceTask> task() {
        return FileSourceTask::new;
    }
}
