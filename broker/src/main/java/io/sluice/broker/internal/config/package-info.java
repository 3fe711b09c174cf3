/** The configuration catalogue: typed keys with defaults, units, checks and docs, and their parsing. */
package io.sluice.broker.internal.config;
