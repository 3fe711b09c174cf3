package io.sluice.runner.perf;

import io.sluice.broker.Admin;
import io.sluice.broker.Broker;
import io.sluice.broker.Consumer;
import io.sluice.broker.NewTopic;
import io.sluice.broker.Producer;
import io.sluice.broker.ProducerRecord;
import io.sluice.broker.TopicPartition;
import io.sluice.connectors.Connect;
import io.sluice.runner.internal.DataDirectory;
import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code sluice perf connect}: connector throughput on the embedded broker. {@code file-source}: a file of N lines
 * is written first (not measured), then the clock runs from the connector's start until the topic holds every
 * line. {@code file-sink}: N records are produced first, then the clock runs until the file holds every one.
 * {@code jdbc-sink}: N JSON records are produced first, then the clock runs until the table (made by the sink)
 * holds every row, inserted in batches.
 */
@Command(name = "connect", mixinStandardHelpOptions = true,
        description = "Connector throughput: file-source (file to topic), file-sink (topic to file) or jdbc-sink "
                + "(topic to a PostgreSQL table).")
final class ConnectPerf implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    BrokerOptions broker;

    @Option(names = "--workload", defaultValue = "file-source",
            description = "file-source, file-sink or jdbc-sink (${DEFAULT-VALUE}).")
    String workload;

    @Option(names = "--jdbc-url", paramLabel = "URL", defaultValue = "${env:SLUICE_POSTGRES_URL}",
            description = "With jdbc-sink: the database, user and password in the URL (default: "
                    + "$SLUICE_POSTGRES_URL).")
    String jdbcUrl;

    @Option(names = "--records", paramLabel = "N", defaultValue = "2000000",
            description = "Lines or records (${DEFAULT-VALUE}).")
    long records;

    @Option(names = "--record-size", paramLabel = "BYTES", defaultValue = "100",
            description = "Bytes per line or value, line end included (${DEFAULT-VALUE}).")
    int recordSize;

    @Override
    public Integer call() throws Exception {
        if (!List.of("file-source", "file-sink", "jdbc-sink").contains(workload)) {
            throw PerfCommand.usage(spec, "--workload must be file-source, file-sink or jdbc-sink: " + workload);
        }
        if (workload.equals("jdbc-sink") && (jdbcUrl == null || jdbcUrl.isBlank())) {
            throw PerfCommand.usage(spec, "jdbc-sink needs --jdbc-url (or SLUICE_POSTGRES_URL)");
        }
        if (records < 1 || recordSize < 2) {
            throw PerfCommand.usage(spec, "--records must be positive and --record-size at least 2");
        }
        try (DataDirectory dir = DataDirectory.of(broker.dataDir, "perf-connect");
             Broker b = Broker.start(broker.config(dir.path().resolve("data")))) {
            try (Admin admin = b.admin()) {
                admin.createTopic(NewTopic.of("perf-connect", 1));
            }
            Path file = dir.path().resolve("perf-connect.txt");
            String line = "x".repeat(recordSize - 1);
            long start;
            if (workload.equals("file-source")) {
                try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
                    for (long i = 0; i < records; i++) {
                        out.write(line);
                        out.write('\n');
                    }
                }
                start = System.nanoTime();
                try (Connect connect = Connect.start(b, List.of(Map.of("name", "perf-source", "connector.class",
                        "FileSourceConnector", "file", file.toString(), "topic", "perf-connect")));
                     Consumer consumer = b.consumer()) {
                    TopicPartition tp = new TopicPartition("perf-connect", 0);
                    while (consumer.endOffsets(List.of(tp)).get(tp) < records) {
                        failIfFailed(connect);
                        Thread.sleep(1);
                    }
                    report("file source", start);
                }
            } else if (workload.equals("jdbc-sink")) {
                jdbcSink(b);
            } else {
                byte[] value = line.getBytes(StandardCharsets.UTF_8);
                try (Producer producer = b.producer()) {
                    for (long i = 0; i < records; i++) {
                        producer.send(ProducerRecord.of("perf-connect", value));
                    }
                    producer.flush();
                }
                long expectedBytes = records * recordSize;
                start = System.nanoTime();
                try (Connect connect = Connect.start(b, List.of(Map.of("name", "perf-sink", "connector.class",
                        "FileSinkConnector", "topics", "perf-connect", "file", file.toString())))) {
                    while (!Files.exists(file) || Files.size(file) < expectedBytes) {
                        failIfFailed(connect);
                        Thread.sleep(1);
                    }
                    report("file sink", start);
                }
            }
        }
        return 0;
    }

    private void jdbcSink(Broker b) throws Exception {
        try (java.sql.Connection db = java.sql.DriverManager.getConnection(jdbcUrl);
             java.sql.Statement sql = db.createStatement()) {
            sql.execute("DROP TABLE IF EXISTS perf_connect");
            try (Producer producer = b.producer()) {
                for (long i = 0; i < records; i++) {
                    producer.send(ProducerRecord.of("perf-connect", null, "{\"id\":" + i + ",\"name\":\"item-" + i
                            + "\",\"amount\":" + i % 1000 + ",\"price\":" + (i % 100) / 4.0 + "}"));
                }
                producer.flush();
            }
            long start = System.nanoTime();
            try (Connect connect = Connect.start(b, List.of(Map.of("name", "perf-jdbc", "connector.class",
                    "JdbcSinkConnector", "topics", "perf-connect", "connection.url", jdbcUrl, "table",
                    "perf_connect", "auto.create", "true")))) {
                long rows = 0;
                while (rows < records) {
                    failIfFailed(connect);
                    Thread.sleep(20);
                    try (java.sql.ResultSet r = sql.executeQuery("SELECT count(*) FROM perf_connect")) {
                        r.next();
                        rows = r.getLong(1);
                    } catch (java.sql.SQLException notYet) {
                        rows = 0; // the sink has not made the table yet
                    }
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                System.out.printf("  %-15s %,.0f rows/s  (%,d JSON records of 4 fields in %.2f s, start to all in "
                        + "the table)%n", "JDBC sink", records / seconds, records, seconds);
            }
            sql.execute("DROP TABLE IF EXISTS perf_connect");
        }
    }

    private static void failIfFailed(Connect connect) {
        if (!connect.failures().isEmpty()) {
            throw new IllegalStateException("Connector failed: " + connect.failures());
        }
    }

    private void report(String what, long start) {
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("  %-15s %,.0f records/s  (%,d records of %d bytes in %.2f s, start to all stored)%n",
                what, records / seconds, records, recordSize, seconds);
    }
}
