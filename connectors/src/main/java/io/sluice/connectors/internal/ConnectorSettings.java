package io.sluice.connectors.internal;

import io.sluice.broker.InvalidConfigException;
import io.sluice.broker.config.ConfigDefinition;
import io.sluice.connectors.SinkConnector;
import io.sluice.connectors.SourceConnector;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One connector's config, checked: the common keys, then the connector's own, every one known and valid. The
 * connector class is named in full or, for the built-in ones, by its simple name ({@code FileSourceConnector}).
 */
public record ConnectorSettings(String name, Object connector, int tasksMax, long flushIntervalMs,
                                List<String> topics, String deadLetterTopic, Map<String, String> values) {
    static final String NAME = "name";
    static final String CONNECTOR_CLASS = "connector.class";
    static final String TASKS_MAX = "tasks.max";
    static final String TOPICS = "topics";
    static final String OFFSET_FLUSH_INTERVAL_MS = "offset.flush.interval.ms";
    static final String DEAD_LETTER_TOPIC = "errors.deadletterqueue.topic.name";
    static final String MAX_POLL_INTERVAL_MS = "consumer.override.max.poll.interval.ms";
    private static final List<String> BUILT_IN = List.of("io.sluice.connectors.file.",
            "io.sluice.connectors.generator.", "io.sluice.connectors.http.", "io.sluice.connectors.jdbc.");

    private static ConfigDefinition common(boolean sink) {
        ConfigDefinition d = new ConfigDefinition("connector")
                .define(NAME, ConfigDefinition.Type.STRING, null, "", "the connector's name: it keys its stored "
                        + "offsets (a source) or names its consumer group, connect-NAME (a sink)")
                .define(CONNECTOR_CLASS, ConfigDefinition.Type.STRING, null, "", "the connector's class")
                .define(TASKS_MAX, ConfigDefinition.Type.INT, 1, ConfigDefinition.Check.atLeast(1), "",
                        "the most tasks (threads) it runs")
                .define(OFFSET_FLUSH_INTERVAL_MS, ConfigDefinition.Type.LONG, 1_000L,
                        ConfigDefinition.Check.atLeast(1), "ms", "how often positions are stored or committed");
        if (sink) {
            d.define(TOPICS, ConfigDefinition.Type.LIST, null, "", "the topics it exports")
                    .define(DEAD_LETTER_TOPIC, ConfigDefinition.Type.STRING, "", "", "where records the sink "
                            + "rejects go, the reason in their headers (created if missing); empty: a rejected "
                            + "record stops the task")
                    .define(MAX_POLL_INTERVAL_MS, ConfigDefinition.Type.LONG, 300_000L,
                            ConfigDefinition.Check.atLeast(1), "ms", "the sink's consumer's max.poll.interval.ms: "
                            + "how long its task may go without polling before the group drops it");
        }
        return d;
    }

    /** Checks a raw config; throws {@link InvalidConfigException} naming the first bad key. */
    public static ConnectorSettings parse(Map<String, String> raw) {
        String className = raw.get(CONNECTOR_CLASS);
        if (className == null || className.isBlank()) {
            throw new InvalidConfigException("Missing required connector config: key=" + CONNECTOR_CLASS
                    + " (the connector's class)" + (raw.containsKey(NAME) ? ", connector=" + raw.get(NAME) : ""));
        }
        Object connector = instantiate(className.strip());
        boolean sink = connector instanceof SinkConnector;
        ConfigDefinition common = common(sink);
        ConfigDefinition own = sink ? ((SinkConnector) connector).config() : ((SourceConnector) connector).config();
        Map<String, String> commonValues = new LinkedHashMap<>();
        Map<String, String> ownValues = new LinkedHashMap<>();
        raw.forEach((k, v) -> (common.contains(k) ? commonValues : ownValues).put(k, v));
        Map<String, Object> c = common.parse(commonValues);
        Map<String, Object> ownParsed = own.parse(ownValues); // unknown keys named, with the nearest known one
        // Tasks get the checked values, formatted back, defaults included: "1e3" or " upsert " as they were checked.
        Map<String, String> values = new LinkedHashMap<>();
        c.forEach((k, v) -> values.put(k, ConfigDefinition.format(v)));
        ownParsed.forEach((k, v) -> values.put(k, ConfigDefinition.format(v)));
        if (sink) {
            ((SinkConnector) connector).validate(values);
        } else {
            ((SourceConnector) connector).validate(values);
        }
        @SuppressWarnings("unchecked")
        List<String> topics = sink ? (List<String>) c.get(TOPICS) : List.of();
        return new ConnectorSettings((String) c.get(NAME), connector, (Integer) c.get(TASKS_MAX),
                (Long) c.get(OFFSET_FLUSH_INTERVAL_MS), topics, sink ? (String) c.get(DEAD_LETTER_TOPIC) : "",
                Map.copyOf(values));
    }

    private static Object instantiate(String className) {
        Class<?> type = null;
        List<String> candidates = new java.util.ArrayList<>();
        if (className.contains(".")) {
            candidates.add(className);
        } else {
            BUILT_IN.forEach(p -> candidates.add(p + className));
        }
        for (String candidate : candidates) {
            try {
                type = Class.forName(candidate, true, Thread.currentThread().getContextClassLoader());
                break;
            } catch (ClassNotFoundException e) {
                // the next place
            }
        }
        if (type == null) {
            throw new InvalidConfigException("Invalid connector config: key=" + CONNECTOR_CLASS + ", value="
                    + className + ", reason=no such class (give the full name, or a built-in one: "
                    + "FileSourceConnector, FileSinkConnector, StdinSourceConnector, StdoutSinkConnector, "
                    + "DataGenSourceConnector, HttpSourceConnector, HttpSinkConnector, JdbcSourceConnector, "
                    + "JdbcSinkConnector)");
        }
        if (!SourceConnector.class.isAssignableFrom(type) && !SinkConnector.class.isAssignableFrom(type)) {
            throw new InvalidConfigException("Invalid connector config: key=" + CONNECTOR_CLASS + ", value="
                    + className + ", reason=implements neither SourceConnector nor SinkConnector");
        }
        try {
            return type.getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new InvalidConfigException("Invalid connector config: key=" + CONNECTOR_CLASS + ", value="
                    + className + ", reason=cannot be made with a public no-argument constructor: " + e);
        }
    }

    public boolean isSink() {
        return connector instanceof SinkConnector;
    }
}
