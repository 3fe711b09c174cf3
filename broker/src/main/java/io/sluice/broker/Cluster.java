package io.sluice.broker;

/**
 * Where clients come from: an embedded {@link Broker}, or a {@link RemoteCluster} over the Kafka protocol. Code
 * written against this runs either way.
 */
public interface Cluster extends AutoCloseable {
    /** The cluster's id (asked of the cluster the first time, for a remote one). */
    String clusterId();

    Admin admin();

    Producer producer();

    Producer producer(ProducerConfig config);

    /** A consumer without a group: use {@link Consumer#assign}. */
    Consumer consumer();

    Consumer consumer(ConsumerConfig config);

    @Override
    void close();
}
