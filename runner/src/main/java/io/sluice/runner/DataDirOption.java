package io.sluice.runner;

import io.sluice.broker.Broker;
import io.sluice.broker.BrokerConfig;
import io.sluice.broker.Cluster;
import io.sluice.broker.RemoteCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Where the topics, produce, consume and groups commands find their topics: {@code --bootstrap}, a cluster over the
 * Kafka protocol (a running {@code sluice broker start}, or Apache Kafka), or {@code --data-dir}, an embedded
 * broker's data directory — which the broker locks, so these run while no other process has it open.
 */
final class DataDirOption {
    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "${env:SLUICE_DATA_DIR}",
            description = "The broker's data directory (default: $SLUICE_DATA_DIR).")
    Path dataDir;

    @Option(names = {"-b", "--bootstrap"}, paramLabel = "HOST:PORT", defaultValue = "${env:SLUICE_BOOTSTRAP}",
            description = "A cluster to talk to over the Kafka protocol, instead of a data directory "
                    + "(default: $SLUICE_BOOTSTRAP).")
    String bootstrap;

    /** Whether {@code --bootstrap} (or SLUICE_BOOTSTRAP) names a cluster to use instead of a data directory. */
    boolean remote() {
        return bootstrap != null && !bootstrap.isBlank();
    }

    /** The clients of {@code --bootstrap} if given, else of an embedded broker on the data directory. */
    Cluster clients(boolean create) {
        return remote() ? RemoteCluster.connect(bootstrap) : open(create);
    }

    /** Opens the broker on the directory; {@code create}: a new directory is fine (creating a topic). */
    Broker open(boolean create) {
        return open(create, Map.of());
    }

    /** As {@link #open(boolean)}, with broker settings (Kafka's broker config keys) on top of the defaults. */
    Broker open(boolean create, Map<String, String> settings) {
        if (dataDir == null) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "No data directory: pass --data-dir DIR or set SLUICE_DATA_DIR (or --bootstrap HOST:PORT)");
        }
        if (!create && !Files.isDirectory(dataDir)) {
            throw new IllegalArgumentException("No data directory at " + dataDir
                    + " (sluice topics create makes one)");
        }
        // A short command has no use for the cleaner; a job's settings may turn it back on.
        return Broker.start(BrokerConfig.builder(dataDir).set(BrokerConfig.LOG_CLEANER_ENABLE, false)
                .setAll(settings).build());
    }
}
