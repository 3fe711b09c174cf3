package io.sluice.runner;

import io.sluice.broker.Broker;
import io.sluice.broker.BrokerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The {@code --data-dir} of the commands that work on an embedded broker's data directory: topics, produce,
 * consume, groups. The broker locks its directory, so these run while no other process has it open.
 */
final class DataDirOption {
    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "${env:SLUICE_DATA_DIR}",
            description = "The broker's data directory (default: $SLUICE_DATA_DIR).")
    Path dataDir;

    /** Opens the broker on the directory; {@code create}: a new directory is fine (creating a topic). */
    Broker open(boolean create) {
        return open(create, Map.of());
    }

    /** As {@link #open(boolean)}, with broker settings (Kafka's broker config keys) on top of the defaults. */
    Broker open(boolean create, Map<String, String> settings) {
        if (dataDir == null) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "No data directory: pass --data-dir DIR or set SLUICE_DATA_DIR");
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
