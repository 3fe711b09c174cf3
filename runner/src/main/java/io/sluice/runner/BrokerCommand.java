package io.sluice.runner;

import io.sluice.broker.Broker;
import io.sluice.broker.BrokerConfig;
import io.sluice.runner.internal.MetricsEndpoint;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code sluice broker start}: a broker in the foreground, serving Kafka clients, until SIGINT or SIGTERM. */
@Command(name = "broker", mixinStandardHelpOptions = true, description = "Run a broker.",
        subcommands = {BrokerCommand.Start.class})
final class BrokerCommand extends CommandGroup {

    @Command(name = "start", mixinStandardHelpOptions = true,
            description = "Start a broker in the foreground: it serves Kafka clients on its listener until Ctrl-C "
                    + "or SIGTERM, then writes what it acknowledged and stops cleanly.",
            footer = {"", "Served of the Kafka protocol: ApiVersions, Metadata, Produce (idempotent; no "
                    + "transactions), InitProducerId, Fetch, ListOffsets, CreateTopics, DeleteTopics, "
                    + "CreatePartitions, DeleteRecords, DescribeConfigs, IncrementalAlterConfigs (topics), the "
                    + "classic consumer-group protocol with committed offsets, ListGroups, DescribeGroups and "
                    + "DeleteGroups. Other requests get UNSUPPORTED_VERSION.", "", "Examples:",
                "  sluice broker start --data-dir data --listeners PLAINTEXT://127.0.0.1:9092",
                "  sluice broker start --config broker.properties -D log.retention.ms=3600000 --metrics-port 9464"})
    static final class Start implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        DataDirOption data;
        @Option(names = "--listeners", paramLabel = "LISTENER", defaultValue = "PLAINTEXT://:9092",
                description = "Where to serve Kafka clients (${DEFAULT-VALUE}: every interface, port 9092; port 0: "
                        + "any free one).")
        String listeners;
        @Option(names = "--advertised-listeners", paramLabel = "LISTENER",
                description = "The address clients are told to use (default: the listener's).")
        String advertisedListeners;
        @Mixin
        SettingsOptions settingsOptions;
        @Mixin
        MetricsOptions metricsOptions;
        /** For the build: it records the classes a start loads into a class-data archive (bin/sluice uses it). */
        @Option(names = "--stop-when-started", hidden = true)
        boolean stopWhenStarted;

        @Override
        public Integer call() throws Exception {
            metricsOptions.validate();
            Map<String, String> settings = settingsOptions.settings();
            settings.putIfAbsent(BrokerConfig.LISTENERS, listeners);
            if (advertisedListeners != null) {
                settings.put(BrokerConfig.ADVERTISED_LISTENERS, advertisedListeners);
            }
            PrintWriter err = spec.commandLine().getErr();
            Broker broker = data.open(true, settings);
            MetricsEndpoint endpoint;
            try {
                endpoint = metricsOptions.start(broker::metrics);
            } catch (RuntimeException e) {
                broker.close();
                throw e;
            }
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                err.println("Stopping the broker: writing what was acknowledged…");
                err.flush();
                if (endpoint != null) {
                    endpoint.close();
                }
                broker.close();
                err.println("Stopped the broker cleanly");
                err.flush();
                stopped.countDown();
            }, "sluice-broker-shutdown"));
            err.printf("sluice broker listening on %s for Kafka clients, data in %s (cluster %s)%n",
                    broker.bootstrapServers().orElseThrow(), data.dataDir, broker.clusterId());
            if (endpoint != null) {
                err.printf("Metrics on %s%n", endpoint.url());
            }
            err.flush();
            if (!stopWhenStarted) {
                stopped.await();
            }
            return 0; // with --stop-when-started, the shutdown hook stops the broker as the process exits
        }
    }
}
