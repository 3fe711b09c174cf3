/** The Kafka-protocol server: sockets, request frames, and the handlers of the APIs sluice serves. */
package io.sluice.broker.internal.net;
