package io.sluice.runner.perf;

import io.sluice.broker.Broker;
import io.sluice.broker.Cluster;
import io.sluice.broker.RemoteCluster;
import io.sluice.runner.internal.DataDirectory;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * What the client benchmarks measure: an embedded broker of their own (the default, shaped by {@link BrokerOptions}),
 * or with {@code --bootstrap} a running cluster over the Kafka protocol — a {@code sluice broker start} or Apache
 * Kafka — so that the same load runs against both.
 */
final class TargetOptions {
    @Mixin
    BrokerOptions broker;

    @Option(names = {"-b", "--bootstrap"}, paramLabel = "HOST:PORT",
            description = "Measure a running cluster over the Kafka protocol (sluice broker start, Apache Kafka) "
                    + "instead of an embedded broker.")
    String bootstrap;

    /** The cluster to measure, open until {@link Target#close}; a temporary data directory goes with it. */
    Target open(CommandSpec spec, String purpose) {
        if (bootstrap == null) {
            DataDirectory dir = DataDirectory.of(broker.dataDir, purpose);
            try {
                return new Target(Broker.start(broker.config(dir.path())), dir, "an embedded broker");
            } catch (RuntimeException e) {
                dir.close();
                throw e;
            }
        }
        if (broker.dataDir != null || broker.journalThreads != null || broker.waitStrategy != null
                || broker.ringSize != null) {
            throw PerfCommand.usage(spec, "--data-dir, --journal-threads, --wait-strategy and --ring-size shape "
                    + "the embedded broker; they do not apply with --bootstrap");
        }
        if (bootstrap.isBlank()) {
            throw PerfCommand.usage(spec, "--bootstrap needs HOST:PORT");
        }
        return new Target(RemoteCluster.connect(bootstrap), null, bootstrap);
    }

    /** A cluster being measured, and what to call it in the report. */
    record Target(Cluster cluster, DataDirectory dir, String description) implements AutoCloseable {
        @Override
        public void close() {
            try {
                cluster.close();
            } finally {
                if (dir != null) {
                    dir.close();
                }
            }
        }
    }
}
