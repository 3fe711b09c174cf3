/**
 * The configuration catalogue shared by every module: typed keys with defaults, units, checks and docs, and their
 * parsing into validated maps. Broker, producer, consumer, topic and job configs are each one catalogue.
 */
package io.sluice.broker.config;
