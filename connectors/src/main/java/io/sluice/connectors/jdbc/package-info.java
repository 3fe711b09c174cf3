/**
 * JDBC connectors, tested against PostgreSQL: {@link io.sluice.connectors.jdbc.JdbcSourceConnector} polls a table
 * for new rows (by an incrementing column, or a timestamp and that column), {@link
 * io.sluice.connectors.jdbc.JdbcSinkConnector} inserts or upserts records' JSON values as rows, in batches.
 */
package io.sluice.connectors.jdbc;
