/**
 * HTTP connectors: {@link io.sluice.connectors.http.HttpSourceConnector} takes JSON events POSTed to it and answers
 * once they are stored; {@link io.sluice.connectors.http.HttpSinkConnector} POSTs records to a URL, retrying while
 * the target fails.
 */
package io.sluice.connectors.http;
