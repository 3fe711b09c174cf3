/**
 * Built-in connectors for files: {@link io.sluice.connectors.file.FileSourceConnector} tails files line by line
 * into a topic, {@link io.sluice.connectors.file.FileSinkConnector} appends a topic's records to a file.
 */
package io.sluice.connectors.file;
