package io.sluice.connectors.jdbc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.broker.ConsumerRecord;
import io.sluice.broker.config.ConfigDefinition;
import io.sluice.connectors.SinkConnector;
import io.sluice.connectors.SinkContext;
import io.sluice.connectors.SinkTask;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Writes records whose values are JSON objects as rows (field → column), in batches, one transaction per put:
 * {@code insert.mode=insert} inserts, {@code upsert} inserts or updates by the primary key, whose columns
 * ({@code pk.fields}) come from the record's key — a JSON object's fields, or a plain key as the one field. With
 * {@code auto.create} a missing table is made from the first record (text, bigint, double precision, boolean, jsonb
 * for nested values). A value that is not a JSON object goes to the dead-letter topic; a database error fails the
 * put, which is tried again. Keys: {@code connection.url}, {@code connection.user}, {@code connection.password},
 * {@code table}, {@code insert.mode}, {@code pk.fields}, {@code auto.create}, {@code batch.size}.
 */
public final class JdbcSinkConnector implements SinkConnector {
    static final String INSERT_MODE = "insert.mode";
    static final String PK_FIELDS = "pk.fields";
    static final String AUTO_CREATE = "auto.create";
    static final String BATCH_SIZE = "batch.size";

    @Override
    public ConfigDefinition config() {
        return Jdbc.definition("JDBC sink connector")
                .define(Jdbc.TABLE, ConfigDefinition.Type.STRING, null, "", "the table rows go to")
                .define(INSERT_MODE, ConfigDefinition.Type.STRING, "insert",
                        ConfigDefinition.Check.oneOf("insert", "upsert"), "", "insert, or upsert by the key")
                .define(PK_FIELDS, ConfigDefinition.Type.STRING, "", "",
                        "with upsert: the primary key's columns, comma-separated, filled from the record's key")
                .define(AUTO_CREATE, ConfigDefinition.Type.BOOLEAN, false, "",
                        "create the table from the first record if it does not exist")
                .define(BATCH_SIZE, ConfigDefinition.Type.INT, 1_000, ConfigDefinition.Check.atLeast(1), "",
                        "rows per batch");
    }

    @Override
    public void validate(Map<String, String> config) {
        if (config.get(INSERT_MODE).equals("upsert") && config.get(PK_FIELDS).isBlank()) {
            throw new io.sluice.broker.InvalidConfigException("Invalid JDBC sink connector config: key=" + PK_FIELDS
                    + ", reason=insert.mode=upsert needs the primary key's columns");
        }
    }

    @Override
    public Supplier<SinkTask> task() {
        return JdbcSinkTask::new;
    }

    private static final class JdbcSinkTask implements SinkTask {
        private static final ObjectMapper JSON = new ObjectMapper();

        private Connection connection;
        private Map<String, String> config;
        private SinkContext context;
        private String table;
        private boolean upsert;
        private List<String> pkFields;
        private boolean autoCreate;
        private boolean tableChecked;
        private int batchSize;
        /** Prepared statements by column list. */
        private final Map<List<String>, PreparedStatement> statements = new HashMap<>();

        @Override
        public void start(Map<String, String> config, SinkContext sinkContext) throws SQLException {
            context = sinkContext;
            this.config = config;
            table = config.get(Jdbc.TABLE);
            upsert = config.getOrDefault(INSERT_MODE, "insert").equals("upsert");
            String pk = config.getOrDefault(PK_FIELDS, "");
            pkFields = pk.isBlank() ? List.of() : List.of(pk.strip().split("\\s*,\\s*"));
            if (upsert && pkFields.isEmpty()) {
                throw new IllegalArgumentException("insert.mode=upsert needs " + PK_FIELDS);
            }
            autoCreate = Boolean.parseBoolean(config.getOrDefault(AUTO_CREATE, "false"));
            batchSize = Integer.parseInt(config.getOrDefault(BATCH_SIZE, "1000"));
            connection = Jdbc.connect(config);
            connection.setAutoCommit(false);
        }

        @Override
        public void put(List<ConsumerRecord> records) throws SQLException {
            Map<Object, ConsumerRecord> byKey = new LinkedHashMap<>();
            Map<ConsumerRecord, Map<String, JsonNode>> rows = new LinkedHashMap<>();
            for (ConsumerRecord r : records) {
                Map<String, JsonNode> row;
                try {
                    row = row(r);
                } catch (IllegalArgumentException e) {
                    context.reject(r, e);
                    continue;
                }
                if (upsert) {
                    // One statement may not upsert a row twice: the last record of a key wins, as it would anyway.
                    List<JsonNode> key = pkFields.stream().map(row::get).toList();
                    ConsumerRecord earlier = byKey.put(key.toString(), r);
                    if (earlier != null) {
                        rows.remove(earlier);
                    }
                }
                rows.put(r, row);
            }
            if (rows.isEmpty()) {
                return;
            }
            ensureConnected();
            try {
                write(new ArrayList<>(rows.values()));
            } catch (SQLException e) {
                rollbackQuietly();
                if (!isBadData(e)) {
                    throw e; // the connection or the server: tried again whole
                }
                // Some row is bad data (a type, a constraint): each row on its own, the bad ones set aside.
                for (Map.Entry<ConsumerRecord, Map<String, JsonNode>> row : rows.entrySet()) {
                    try {
                        write(List.of(row.getValue()));
                    } catch (SQLException one) {
                        rollbackQuietly();
                        if (!isBadData(one)) {
                            throw one;
                        }
                        context.reject(row.getKey(), one);
                    }
                }
            }
        }

        /** Writes the rows in batches and commits; the caller rolls back on failure. */
        private void write(List<Map<String, JsonNode>> rows) throws SQLException {
            if (!tableChecked) {
                createIfMissing(rows.get(0));
                tableChecked = true;
            }
            List<String> columns = null;
            PreparedStatement statement = null;
            int pending = 0;
            for (Map<String, JsonNode> row : rows) {
                List<String> these = new ArrayList<>(row.keySet());
                if (!these.equals(columns) || pending >= batchSize) {
                    if (pending > 0) {
                        statement.executeBatch();
                    }
                    columns = these;
                    statement = statement(columns);
                    pending = 0;
                }
                bind(statement, columns, row);
                statement.addBatch();
                pending++;
            }
            if (pending > 0) {
                statement.executeBatch();
            }
            connection.commit();
        }

        /** SQLSTATE class 22 (data exception), 23 (integrity constraint) or 42 (a column that does not fit). */
        private static boolean isBadData(SQLException e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof SQLException sql && sql.getSQLState() != null) {
                    String state = sql.getSQLState();
                    // A missing table or a missing grant is the setup's, not a row's: tried again, not set aside.
                    if (state.equals("42P01") || state.equals("42501")) {
                        return false;
                    }
                    if (state.startsWith("22") || state.startsWith("23") || state.startsWith("42")) {
                        return true;
                    }
                }
            }
            return false;
        }

        private void rollbackQuietly() {
            try {
                connection.rollback();
            } catch (SQLException gone) {
                // a broken connection: ensureConnected opens a new one for the next try
            }
        }

        /** A connection that went away (the server restarted) is opened again, its statements with it. */
        private void ensureConnected() throws SQLException {
            if (connection != null && connection.isValid(5)) {
                return;
            }
            statements.clear();
            if (connection != null) {
                try {
                    connection.close();
                } catch (SQLException ignored) {
                    // already broken
                }
            }
            connection = Jdbc.connect(config);
            connection.setAutoCommit(false);
        }

        /** The record's value fields, and its key's for the primary key; throws for a value not a JSON object. */
        private Map<String, JsonNode> row(ConsumerRecord r) {
            JsonNode value;
            try {
                value = r.value() == null ? null : JSON.readTree(r.value());
            } catch (IOException e) {
                throw new IllegalArgumentException("value is not JSON: " + e.getMessage().lines().findFirst()
                        .orElse(""));
            }
            if (value == null || !value.isObject()) {
                throw new IllegalArgumentException("value is not a JSON object");
            }
            Map<String, JsonNode> row = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                row.put(field.getKey(), field.getValue());
            }
            if (upsert) {
                if (r.key() == null) {
                    throw new IllegalArgumentException("upsert needs a key, the record has none");
                }
                JsonNode key;
                try {
                    key = JSON.readTree(r.key());
                } catch (IOException notJson) {
                    key = null;
                }
                if (key != null && key.isObject()) {
                    for (String pk : pkFields) {
                        if (!key.has(pk)) {
                            throw new IllegalArgumentException("key has no field " + pk);
                        }
                        row.put(pk, key.get(pk));
                    }
                } else if (pkFields.size() == 1) {
                    row.put(pkFields.get(0), JSON.getNodeFactory().textNode(
                            new String(r.key(), StandardCharsets.UTF_8)));
                } else {
                    throw new IllegalArgumentException("a plain key fills one primary-key column, not " + pkFields);
                }
            }
            return row;
        }

        private PreparedStatement statement(List<String> columns) throws SQLException {
            PreparedStatement statement = statements.get(columns);
            if (statement != null) {
                return statement;
            }
            StringBuilder sql = new StringBuilder("INSERT INTO ").append(Jdbc.quoteTable(table)).append(" (");
            sql.append(String.join(", ", columns.stream().map(Jdbc::quote).toList())).append(") VALUES (");
            sql.append(String.join(", ", java.util.Collections.nCopies(columns.size(), "?"))).append(')');
            if (upsert) {
                sql.append(" ON CONFLICT (").append(String.join(", ", pkFields.stream().map(Jdbc::quote).toList()))
                        .append(')');
                List<String> others = columns.stream().filter(c -> !pkFields.contains(c)).toList();
                if (others.isEmpty()) {
                    sql.append(" DO NOTHING");
                } else {
                    sql.append(" DO UPDATE SET ").append(String.join(", ", others.stream()
                            .map(c -> Jdbc.quote(c) + " = EXCLUDED." + Jdbc.quote(c)).toList()));
                }
            }
            statement = connection.prepareStatement(sql.toString());
            statements.put(columns, statement);
            return statement;
        }

        private static void bind(PreparedStatement statement, List<String> columns, Map<String, JsonNode> row)
                throws SQLException {
            for (int i = 0; i < columns.size(); i++) {
                JsonNode v = row.get(columns.get(i));
                int p = i + 1;
                if (v == null || v.isNull()) {
                    statement.setNull(p, Types.NULL);
                } else if (v.isIntegralNumber()) {
                    statement.setLong(p, v.asLong());
                } else if (v.isNumber()) {
                    statement.setDouble(p, v.asDouble());
                } else if (v.isBoolean()) {
                    statement.setBoolean(p, v.asBoolean());
                } else if (v.isTextual()) {
                    statement.setString(p, v.asText()); // untyped: cast to the column's type by the server
                } else {
                    statement.setString(p, v.toString()); // nested: its JSON text, for a json or jsonb column
                }
            }
        }

        private void createIfMissing(Map<String, JsonNode> row) throws SQLException {
            if (!autoCreate) {
                return;
            }
            StringBuilder sql = new StringBuilder("CREATE TABLE IF NOT EXISTS ").append(Jdbc.quoteTable(table))
                    .append(" (");
            List<String> columns = new ArrayList<>();
            row.forEach((name, v) -> columns.add(Jdbc.quote(name) + " " + sqlType(v)));
            sql.append(String.join(", ", columns));
            if (!pkFields.isEmpty()) {
                sql.append(", PRIMARY KEY (").append(String.join(", ", pkFields.stream().map(Jdbc::quote).toList()))
                        .append(')');
            }
            sql.append(')');
            try (var statement = connection.createStatement()) {
                statement.execute(sql.toString());
            }
            connection.commit();
        }

        private static String sqlType(JsonNode v) {
            if (v == null || v.isNull() || v.isTextual()) {
                return "TEXT";
            }
            if (v.isIntegralNumber()) {
                return "BIGINT";
            }
            if (v.isNumber()) {
                return "DOUBLE PRECISION";
            }
            if (v.isBoolean()) {
                return "BOOLEAN";
            }
            return "JSONB";
        }

        @Override
        public void flush() {
            // Every put commits its transaction before it returns.
        }

        @Override
        public void stop() throws SQLException {
            if (connection != null) {
                connection.close();
            }
        }
    }
}
