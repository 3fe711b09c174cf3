/** sluice's client API over the Kafka protocol, for a sluice server or any Kafka-compatible cluster. */
package io.sluice.broker.internal.remote;
