package io.sluice.runner;

import io.sluice.broker.Cluster;
import io.sluice.connectors.Connect;
import io.sluice.runner.internal.ConfigFile;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code sluice connect CONFIG…}: connectors, standalone, until Ctrl-C or SIGTERM. */
@Command(name = "connect", mixinStandardHelpOptions = true,
        description = "Run connectors: import into topics from files and other systems, export from topics to them, "
                + "until Ctrl-C.",
        footer = {"", "Each CONFIG is one connector, in Kafka Connect's keys: name, connector.class, tasks.max, topics "
                + "(a sink's), offset.flush.interval.ms, errors.deadletterqueue.topic.name (a sink's), and the "
                + "connector's own. Built in: FileSourceConnector (file, topic, batch.max.lines), FileSinkConnector "
                + "(file, format=value|key-value|json), StdinSourceConnector (topic), StdoutSinkConnector (format), "
                + "DataGenSourceConnector (topic, rate, records, keys, template, seed), HttpSourceConnector (topic, "
                + "http.port, http.path, key.field), HttpSinkConnector (url, batch.size), JdbcSourceConnector "
                + "(connection.url, table, topic, mode, incrementing.column.name, timestamp.column.name) and "
                + "JdbcSinkConnector (connection.url, table, insert.mode, pk.fields, auto.create). A source stores its "
                + "position in the connect-offsets topic and resumes from it; a sink commits its group's offsets "
                + "(connect-NAME) only after its writes are flushed. With sources only, "
                + "the command ends when they all have (standard input closed).", "", "Example:",
                "  cat > app-log.properties <<'END'", "  name=app-log", "  connector.class=FileSourceConnector",
                "  file=app.log", "  topic=logs", "  END", "  sluice connect app-log.properties"})
final class ConnectCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    DataDirOption data;
    @Parameters(paramLabel = "CONFIG", arity = "1..*",
            description = "A connector's config: .properties, .json (flat, or Kafka Connect's {name, config}) or "
                    + ".yaml.")
    List<Path> configs;

    @Override
    public Integer call() throws Exception {
        List<Map<String, String>> connectors = new ArrayList<>();
        for (Path config : configs) {
            connectors.add(ConfigFile.read(config));
        }
        PrintWriter err = spec.commandLine().getErr();
        Cluster cluster = data.clients(true);
        Connect connect;
        try {
            connect = Connect.start(cluster, connectors);
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Thread onSignal = new Thread(() -> {
            err.println("Stopping connectors: storing positions, flushing sinks…");
            err.flush();
            connect.close();
            cluster.close();
            err.println("Stopped connectors cleanly");
            err.flush();
            stopped.countDown();
        }, "sluice-connect-shutdown");
        Runtime.getRuntime().addShutdownHook(onSignal);
        err.printf("Running %d connector(s): %s%n", connectors.size(),
                String.join(", ", connectors.stream().map(c -> c.get("name")).toList()));
        err.flush();
        while (!stopped.await(200, java.util.concurrent.TimeUnit.MILLISECONDS)) {
            if (!connect.failures().isEmpty()) {
                // A task that stopped on an error does nothing more: say so and stop, rather than run on idle.
                connect.failures().forEach((task, error) -> err.println("Connector task " + task + " failed: "
                        + error));
                err.flush();
                stopNow(onSignal, connect, cluster);
                throw new IllegalStateException("A connector task failed: "
                        + String.join(", ", connect.failures().keySet()));
            }
            // Sources only, and all of them ended (standard input closed): nothing more will come, so stop.
            if (!connect.hasSinks() && connect.sourcesEnded()) {
                err.println("Every source has ended");
                err.flush();
                stopNow(onSignal, connect, cluster);
                return 0;
            }
        }
        return 0;
    }

    /** Stops here rather than in the shutdown hook, unless the hook already runs. */
    private static void stopNow(Thread hook, Connect connect, Cluster cluster) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            return; // the hook stops them
        }
        connect.close();
        cluster.close();
    }
}
