package io.sluice.connectors.jdbc;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.broker.config.ConfigDefinition;
import io.sluice.connectors.SourceConnector;
import io.sluice.connectors.SourceContext;
import io.sluice.connectors.SourceRecord;
import io.sluice.connectors.SourceTask;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Polls a table for new rows, each becoming a record whose value is the row as a JSON object (column → value).
 * {@code mode=incrementing}: rows whose {@code incrementing.column.name} is past the last one read, in its order.
 * {@code mode=timestamp}: rows whose ({@code timestamp.column.name}, incrementing column) pair is past the last one
 * read — updated rows come again; with {@code timestamp.delay.interval.ms} only rows that much older than the
 * database's clock, so that a row committed late with an earlier timestamp is not passed over. (In incrementing
 * mode a row whose id is below one already read but that commits later is passed over: use a timestamp then.) The
 * last position read is stored, so a restarted source goes on from it. Keys:
 * {@code connection.url}, {@code connection.user}, {@code connection.password}, {@code table}, {@code topic},
 * {@code mode}, {@code incrementing.column.name}, {@code timestamp.column.name}, {@code key.column},
 * {@code poll.interval.ms}, {@code batch.max.rows}. One task.
 */
public final class JdbcSourceConnector implements SourceConnector {
    static final String TOPIC = "topic";
    static final String MODE = "mode";
    static final String INCREMENTING = "incrementing.column.name";
    static final String TIMESTAMP = "timestamp.column.name";
    static final String KEY_COLUMN = "key.column";
    static final String POLL_INTERVAL_MS = "poll.interval.ms";
    static final String BATCH_MAX_ROWS = "batch.max.rows";
    static final String TIMESTAMP_DELAY_MS = "timestamp.delay.interval.ms";

    @Override
    public ConfigDefinition config() {
        return Jdbc.definition("JDBC source connector")
                .define(Jdbc.TABLE, ConfigDefinition.Type.STRING, null, "", "the table to read, schema.table or table")
                .define(TOPIC, ConfigDefinition.Type.STRING, null, "", "the topic rows go to")
                .define(MODE, ConfigDefinition.Type.STRING, "incrementing",
                        ConfigDefinition.Check.oneOf("incrementing", "timestamp"), "",
                        "incrementing (new rows) or timestamp (new and updated rows)")
                .define(INCREMENTING, ConfigDefinition.Type.STRING, "id", "",
                        "a column that grows with every new row (a serial key)")
                .define(TIMESTAMP, ConfigDefinition.Type.STRING, "", "",
                        "with mode=timestamp: the column set when a row is written")
                .define(KEY_COLUMN, ConfigDefinition.Type.STRING, "", "", "a column whose value is the key")
                .define(POLL_INTERVAL_MS, ConfigDefinition.Type.LONG, 1_000L, ConfigDefinition.Check.atLeast(1),
                        "ms", "how long to wait after a poll that found nothing new")
                .define(BATCH_MAX_ROWS, ConfigDefinition.Type.INT, 10_000, ConfigDefinition.Check.atLeast(1), "",
                        "the most rows one query reads")
                .define(TIMESTAMP_DELAY_MS, ConfigDefinition.Type.LONG, 0L, ConfigDefinition.Check.atLeast(0), "ms",
                        "with mode=timestamp: rows are read only once their timestamp is this far behind the "
                                + "database's clock, so that a transaction that commits late is not passed over");
    }

    @Override
    public void validate(Map<String, String> config) {
        if (config.get(MODE).equals("timestamp") && config.get(TIMESTAMP).isBlank()) {
            throw new io.sluice.broker.InvalidConfigException("Invalid JDBC source connector config: key=" + TIMESTAMP
                    + ", reason=mode=timestamp needs the column that is set when a row is written");
        }
    }


    @Override
    public Supplier<SourceTask> task() {
        return JdbcSourceTask::new;
    }

    private static final class JdbcSourceTask implements SourceTask {
        private static final ObjectMapper JSON = new ObjectMapper();

        private Map<String, String> config;
        private Map<String, String> partition;
        private Connection connection;
        private PreparedStatement query;
        private boolean timestampMode;
        private String incrementing;
        private String timestamp;
        private String keyColumn;
        private String topic;
        private long pollIntervalMs;
        private long lastId;
        private Timestamp lastTimestamp;
        /** When the table is next looked at: a poll that finds nothing waits that long, a second at a time. */
        private long nextQueryNanos;
        private long delayMs;

        /** The latest timestamp to read: the database's clock less the delay (the far future without a delay). */
        private Timestamp upTo() throws SQLException {
            if (delayMs == 0) {
                return Timestamp.valueOf("9999-12-31 23:59:59");
            }
            try (var statement = connection.createStatement();
                 ResultSet now = statement.executeQuery("SELECT CURRENT_TIMESTAMP")) {
                now.next();
                return new Timestamp(now.getTimestamp(1).getTime() - delayMs);
            }
        }

        @Override
        public void start(Map<String, String> taskConfig, SourceContext context) throws SQLException {
            config = taskConfig;
            String table = config.get(Jdbc.TABLE);
            partition = Map.of("table", table);
            topic = config.get(TOPIC);
            timestampMode = config.getOrDefault(MODE, "incrementing").equals("timestamp");
            incrementing = config.getOrDefault(INCREMENTING, "id");
            timestamp = config.getOrDefault(TIMESTAMP, "");
            if (timestampMode && timestamp.isEmpty()) {
                throw new IllegalArgumentException("mode=timestamp needs " + TIMESTAMP);
            }
            keyColumn = config.getOrDefault(KEY_COLUMN, "");
            pollIntervalMs = Long.parseLong(config.getOrDefault(POLL_INTERVAL_MS, "1000"));
            Map<String, Object> stored = context.offset(partition);
            lastId = stored == null ? Long.MIN_VALUE : ((Number) stored.get("id")).longValue();
            lastTimestamp = stored == null || stored.get("timestamp") == null ? Timestamp.valueOf("0001-01-01 00:00:00")
                    : Timestamp.valueOf((String) stored.get("timestamp"));
            int maxRows = Integer.parseInt(config.getOrDefault(BATCH_MAX_ROWS, "10000"));
            String id = Jdbc.quote(incrementing);
            delayMs = Long.parseLong(config.getOrDefault(TIMESTAMP_DELAY_MS, "0"));
            String sql = timestampMode
                    ? "SELECT * FROM " + Jdbc.quoteTable(table) + " WHERE (" + Jdbc.quote(timestamp) + ", " + id
                    + ") > (?, ?) AND " + Jdbc.quote(timestamp) + " <= ? ORDER BY " + Jdbc.quote(timestamp) + ", " + id
                    + " LIMIT " + maxRows
                    : "SELECT * FROM " + Jdbc.quoteTable(table) + " WHERE " + id + " > ? ORDER BY " + id + " LIMIT "
                    + maxRows;
            connection = Jdbc.connect(config);
            query = connection.prepareStatement(sql);
        }

        @Override
        public List<SourceRecord> poll() throws Exception {
            long wait = nextQueryNanos - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(Math.min(1_000, Math.max(1, wait / 1_000_000)));
                return List.of();
            }
            if (timestampMode) {
                query.setTimestamp(1, lastTimestamp);
                query.setLong(2, lastId);
                query.setTimestamp(3, upTo());
            } else {
                query.setLong(1, lastId);
            }
            List<SourceRecord> records = new ArrayList<>();
            try (ResultSet rows = query.executeQuery()) {
                ResultSetMetaData meta = rows.getMetaData();
                while (rows.next()) {
                    ObjectNode row = JSON.createObjectNode();
                    for (int c = 1; c <= meta.getColumnCount(); c++) {
                        Object value = rows.getObject(c);
                        row.set(meta.getColumnLabel(c), value == null ? null
                                : value instanceof Number || value instanceof Boolean ? JSON.valueToTree(value)
                                : JSON.getNodeFactory().textNode(value.toString()));
                    }
                    lastId = rows.getLong(incrementing);
                    Map<String, Object> offset = new java.util.HashMap<>();
                    offset.put("id", lastId);
                    if (timestampMode) {
                        lastTimestamp = rows.getTimestamp(timestamp);
                        offset.put("timestamp", lastTimestamp.toString());
                    }
                    byte[] key = keyColumn.isEmpty() || rows.getObject(keyColumn) == null ? null
                            : rows.getObject(keyColumn).toString().getBytes(StandardCharsets.UTF_8);
                    records.add(new SourceRecord(partition, offset, topic, key, JSON.writeValueAsBytes(row),
                            List.of(), SourceRecord.NO_TIMESTAMP));
                }
            }
            if (records.isEmpty()) {
                nextQueryNanos = System.nanoTime() + pollIntervalMs * 1_000_000;
            }
            return records;
        }

        @Override
        public void stop() throws SQLException {
            if (connection != null) {
                connection.close();
            }
        }
    }
}
