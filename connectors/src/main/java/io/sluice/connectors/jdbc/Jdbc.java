package io.sluice.connectors.jdbc;

import io.sluice.broker.config.ConfigDefinition;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Map;
import java.util.Properties;

/** What both JDBC connectors share: connection keys, connecting, and quoting names. */
final class Jdbc {
    static final String URL = "connection.url";
    static final String USER = "connection.user";
    static final String PASSWORD = "connection.password";
    static final String TABLE = "table";

    private Jdbc() {
    }

    static ConfigDefinition definition(String what) {
        return new ConfigDefinition(what)
                .define(URL, ConfigDefinition.Type.STRING, null, value -> ((String) value).startsWith("jdbc:") ? null
                        : "must be a JDBC URL, jdbc:postgresql://host:port/database", "", "the database")
                .define(USER, ConfigDefinition.Type.STRING, "", "", "the user; empty: the URL's")
                .define(PASSWORD, ConfigDefinition.Type.STRING, "", "", "the password; empty: the URL's");
    }

    /**
     * A connection, strings sent untyped ({@code stringtype=unspecified}) so that PostgreSQL casts them to the
     * column's type: a timestamp or a number given as JSON text lands in its column. (Both properties are
     * PostgreSQL's driver's; other drivers ignore them.)
     */
    static Connection connect(Map<String, String> config) throws SQLException {
        Properties properties = new Properties();
        if (!config.getOrDefault(USER, "").isEmpty()) {
            properties.setProperty("user", config.get(USER));
        }
        if (!config.getOrDefault(PASSWORD, "").isEmpty()) {
            properties.setProperty("password", config.get(PASSWORD));
        }
        properties.setProperty("stringtype", "unspecified");
        // A batch of inserts as multi-row INSERTs: several times fewer round trips (PostgreSQL's driver).
        properties.setProperty("reWriteBatchedInserts", "true");
        return DriverManager.getConnection(config.get(URL), properties);
    }

    /** A table or column name as SQL, quoted: any name, and no way for one to be read as SQL. */
    static String quote(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }

    /** A possibly schema-qualified table name ({@code schema.table}), each part quoted. */
    static String quoteTable(String table) {
        int dot = table.indexOf('.');
        return dot < 0 ? quote(table) : quote(table.substring(0, dot)) + "." + quote(table.substring(dot + 1));
    }
}
