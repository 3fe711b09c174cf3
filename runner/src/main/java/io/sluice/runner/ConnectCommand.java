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
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            err.println("Stopping connectors: storing positions, flushing sinks…");
            err.flush();
            connect.close();
            cluster.close();
            err.println("Stopped connectors cleanly");
            err.flush();
            stopped.countDown();
        }, "sluice-connect-shutdown"));
        err.printf("Running %d connector(s): %s%n", connectors.size(),
                String.join(", ", connectors.stream().map(c -> c.get("name")).toList()));
        err.flush();
        // Sources only, and all of them ended (standard input closed): nothing more will come, so stop.
        while (!stopped.await(200, java.util.concurrent.TimeUnit.MILLISECONDS)) {
            if (!connect.hasSinks() && connect.sourcesEnded()) {
                err.println("Every source has ended");
                err.flush();
                return 0; // the shutdown hook stores and closes as the process exits
            }
        }
        return 0;
    }
}
