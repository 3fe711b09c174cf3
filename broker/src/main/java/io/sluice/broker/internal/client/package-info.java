/**
 * The embedded implementations of the client API: producers publish straight into the ingest rings, consumers read
 * straight from the partition logs and park until a journal thread signals new data.
 */
package io.sluice.broker.internal.client;
