package io.sluice.runner;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.broker.TopicPartition;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The command line as users run it: a child JVM per command, stdin piped in, exit codes and output read back. */
class CommandLineProcessTest {
    @TempDir
    Path dir;

    private record Run(int exitCode, String out, String err) {
    }

    private Process start(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-cp", System.getProperty("java.class.path"), Sluice.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(dir.resolve("out.txt").toFile())
                .redirectError(dir.resolve("err.txt").toFile());
        builder.environment().put("SLUICE_DATA_DIR", dir.resolve("data").toString());
        return builder.start();
    }

    private Run sluice(String stdin, String... args) throws IOException, InterruptedException {
        Path out = dir.resolve("out.txt");
        Path err = dir.resolve("err.txt");
        Process process = start(args);
        try (OutputStream in = process.getOutputStream()) {
            in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        try {
            assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("sluice %s finished", args[0]).isTrue();
        } finally {
            process.destroyForcibly();
        }
        return new Run(process.exitValue(), Files.readString(out), Files.readString(err));
    }

    /** A command run in this JVM (a client of the child broker); its stdout, after checking it succeeded. */
    private static String inProcess(String stdin, String... args) {
        var cli = Sluice.commandLine();
        var out = new java.io.StringWriter();
        var err = new java.io.StringWriter();
        cli.setOut(new java.io.PrintWriter(out, true));
        cli.setErr(new java.io.PrintWriter(err, true));
        java.io.InputStream before = System.in;
        System.setIn(new java.io.ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
        try {
            assertThat(cli.execute(args)).as(err.toString()).isZero();
        } finally {
            System.setIn(before);
        }
        return out.toString();
    }

    @Test
    void shouldCreateProduceAndConsumeFromTheShell() throws Exception {
        assertThat(sluice("", "topics", "create", "greetings", "--partitions", "2").exitCode()).isZero();
        Run produced = sluice("a:hello\nb:world\na:again\n", "produce", "greetings", "--key-separator", ":");
        assertThat(produced.exitCode()).as(produced.err()).isZero();
        assertThat(produced.err()).contains("Produced 3 records to greetings");

        Run consumed = sluice("", "consume", "greetings", "--format", "{key} {value}");
        assertThat(consumed.exitCode()).isZero();
        assertThat(consumed.out().lines()).containsExactlyInAnyOrder("a hello", "b world", "a again")
                .containsSubsequence("a hello", "a again");
        assertThat(sluice("", "topics", "list").out().lines()).contains("greetings");
    }

    @Test
    void shouldExitNonZeroWithOneLineOnErrors() throws Exception {
        assertThat(sluice("", "topics", "create", "other").exitCode()).isZero();
        Run unknownTopic = sluice("x\n", "produce", "nowhere");
        assertThat(unknownTopic.exitCode()).isEqualTo(1);
        assertThat(unknownTopic.err().strip()).startsWith("error: ").contains("nowhere").doesNotContain("\n");

        Run badFlag = sluice("", "topics", "list", "--bogus");
        assertThat(badFlag.exitCode()).isEqualTo(2);
        assertThat(badFlag.err().strip())
                .isEqualTo("error: Unknown option: '--bogus' (see 'sluice topics list --help')");

        Run verbose = sluice("x\n", "produce", "nowhere", "--verbose");
        assertThat(verbose.exitCode()).isEqualTo(1);
        assertThat(verbose.err()).contains("\tat "); // the stack trace, asked for
    }

    /** Each command a JVM of its own, as in a shell: none may take minutes or fail on the recorded topic. */
    @Test
    @Timeout(300)
    void shouldRefuseATopicOf100000PartitionsAndDeleteOneThatTopicsJsonRecordsFromTheShell() throws Exception {
        Run refused = sluice("", "topics", "create", "t8", "--partitions", "100000");
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.err()).contains("topic=t8", "partitions=100000", "limit=10000");
        assertThat(sluice("", "topics", "create", "t8", "--partitions", "3").exitCode()).isZero();
        TopicsJson.recordPartitionCount(dir.resolve("data"), "t8", 100_000);

        Run listed = sluice("", "topics", "list");
        assertThat(listed.exitCode()).as(listed.err()).isZero();
        assertThat(listed.out().lines()).containsExactly("t8");
        Run deleted = sluice("", "topics", "delete", "t8");
        assertThat(deleted.exitCode()).as(deleted.err()).isZero();
        assertThat(sluice("", "topics", "list").out().lines()).isEmpty();
    }

    @Test
    void shouldStopARunningJobCleanlyOnSigterm() throws Exception {
        sluice("", "topics", "create", "lines");
        sluice("", "topics", "create", "word-counts");
        sluice("a b a\n", "produce", "lines");
        Process run = start("run", "io.sluice.samples.WordCount", "--status-interval", "1", "--metrics-port", "0");
        try {
            Path err = dir.resolve("err.txt");
            // Status lines each second (stderr is not a terminal) until the line and its 3 words (through the
            // repartition topic) are processed and committed.
            java.util.regex.Pattern caughtUp = java.util.regex.Pattern.compile(
                    "RUNNING +in [0-9,]+/s {2}out [0-9,]+/s {2}lag 0 {2}processed 4\n");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!caughtUp.matcher(Files.readString(err)).find() && System.nanoTime() < deadline) {
                assertThat(run.isAlive()).as(Files.readString(err)).isTrue();
                Thread.sleep(50);
            }
            assertThat(Files.readString(err)).contains("Running job word-count").containsPattern(caughtUp);
            // The metrics endpoint, scraped as Prometheus would: the broker's and the job's metrics.
            java.util.regex.Matcher url = java.util.regex.Pattern
                    .compile("Metrics on (http://127\\.0\\.0\\.1:\\d+/metrics)").matcher(Files.readString(err));
            assertThat(url.find()).as(Files.readString(err)).isTrue();
            String scraped = java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create(url.group(1))).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            assertThat(scraped).contains("sluice_job_running{job=\"word-count\"} 1",
                    "sluice_records_out_total{topic=\"lines\",partition=\"0\"} 1", // counted since this start
                    "sluice_records_in_total{topic=\"word-counts\",partition=\"0\"} 3",
                    "sluice_store_entries{job=\"word-count\",store=\"counts\"} 2",
                    "sluice_lag{job=\"word-count\",topic=\"lines\",partition=\"0\"} 0",
                    "# TYPE sluice_records_processed_total counter");
            run.destroy(); // SIGTERM
            assertThat(run.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(run.exitValue()).isEqualTo(143); // 128 + SIGTERM, after the shutdown hook ran
            assertThat(Files.readString(err)).contains("Stopped job word-count cleanly");
        } finally {
            run.destroyForcibly();
        }
        Run counts = sluice("", "consume", "word-counts", "--format", "{key}={value}", "--value-format", "long");
        assertThat(counts.out().lines()).contains("a=2", "b=1");
    }

    @Test
    void shouldCopyAFileThroughATopicWithConnectorsUntilSigterm() throws Exception {
        sluice("", "topics", "create", "logs");
        Path in = dir.resolve("app.log");
        Path out = dir.resolve("copy.log");
        Files.writeString(in, "first\nsecond\n");
        Files.writeString(dir.resolve("in.properties"), "name=app-log\nconnector.class=FileSourceConnector\n"
                + "file=" + in + "\ntopic=logs\noffset.flush.interval.ms=100\n");
        Files.writeString(dir.resolve("out.json"), "{\"name\": \"copy\", \"config\": {\"connector.class\": "
                + "\"FileSinkConnector\", \"topics\": \"logs\", \"file\": \"" + out + "\", "
                + "\"offset.flush.interval.ms\": \"100\"}}");
        Process connect = start("connect", dir.resolve("in.properties").toString(),
                dir.resolve("out.json").toString());
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            Files.writeString(in, "third\n", java.nio.file.StandardOpenOption.APPEND);
            while (!(Files.exists(out) && Files.readAllLines(out).size() == 3) && System.nanoTime() < deadline) {
                assertThat(connect.isAlive()).as(Files.readString(dir.resolve("err.txt"))).isTrue();
                Thread.sleep(50);
            }
            assertThat(Files.readAllLines(out)).containsExactly("first", "second", "third");
            assertThat(Files.readString(dir.resolve("err.txt"))).contains("Running 2 connector(s): app-log, copy");
            connect.destroy(); // SIGTERM
            assertThat(connect.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(connect.exitValue()).isEqualTo(143);
            assertThat(Files.readString(dir.resolve("err.txt"))).contains("Stopped connectors cleanly");
        } finally {
            connect.destroyForcibly();
        }
        // Sources only, from standard input: the command ends with its input.
        Files.writeString(dir.resolve("stdin.properties"), "name=pipe\nconnector.class=StdinSourceConnector\n"
                + "topic=logs\n");
        Run piped = sluice("fourth\nfifth\n", "connect", dir.resolve("stdin.properties").toString());
        assertThat(piped.exitCode()).as(piped.err()).isZero();
        assertThat(piped.err()).contains("Every source has ended");
        assertThat(sluice("", "consume", "logs").out().lines()).containsExactly("first", "second", "third",
                "fourth", "fifth");
        Run typo = sluice("", "connect", dir.resolve("in.properties").toString(), "--bad");
        assertThat(typo.exitCode()).isEqualTo(2);
        Files.writeString(dir.resolve("bad.properties"), "name=x\nconnector.class=FileSourceConnector\nfile=a\n"
                + "topic=logs\nbatch.max.line=5\n");
        Run bad = sluice("", "connect", dir.resolve("bad.properties").toString());
        assertThat(bad.exitCode()).isEqualTo(1);
        assertThat(bad.err()).contains("batch.max.line").contains("batch.max.lines");
    }

    /** A child JVM whose output goes to NAME.out and NAME.err, beside the others. */
    private Process startLogged(String name, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-cp", System.getProperty("java.class.path"), Sluice.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(dir.resolve(name + ".out").toFile())
                .redirectError(dir.resolve(name + ".err").toFile());
        builder.environment().put("SLUICE_DATA_DIR", dir.resolve("data").toString());
        return builder.start();
    }

    @Test
    void shouldResumeAFileSourceKilledMidFileWithoutLosingALine() throws Exception {
        sluice("", "topics", "create", "big");
        Path in = dir.resolve("big.log");
        int lines = 300_000;
        try (java.io.BufferedWriter out = Files.newBufferedWriter(in)) {
            for (int i = 0; i < lines; i++) {
                out.write("line-" + i + "\n");
            }
        }
        Files.writeString(dir.resolve("big.properties"), "name=big\nconnector.class=FileSourceConnector\n"
                + "file=" + in + "\ntopic=big\nbatch.max.lines=200\noffset.flush.interval.ms=20\n");
        // The broker in a process of its own, so that killing the connector process kills only the connector.
        Process broker = startLogged("broker", "broker", "start", "--listeners", "PLAINTEXT://127.0.0.1:0");
        try {
            java.util.regex.Pattern listening = java.util.regex.Pattern.compile("listening on (127\\.0\\.0\\.1:\\d+)");
            java.util.regex.Matcher m = listening.matcher("");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!(m = listening.matcher(Files.readString(dir.resolve("broker.err")))).find()
                    && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            String bootstrap = m.group(1);
            TopicPartition tp = new TopicPartition("big", 0);
            try (io.sluice.broker.RemoteCluster cluster = io.sluice.broker.RemoteCluster.connect(bootstrap);
                 io.sluice.broker.Consumer consumer = cluster.consumer()) {
                Process first = startLogged("first", "connect", dir.resolve("big.properties").toString(),
                        "--bootstrap", bootstrap);
                try {
                    deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                    while (consumer.endOffsets(List.of(tp)).get(tp) < 20_000 && System.nanoTime() < deadline) {
                        Thread.sleep(5);
                    }
                    first.destroyForcibly(); // SIGKILL mid-file: no shutdown hook, no last offsets stored
                    assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
                } finally {
                    first.destroyForcibly();
                }
                long atKill = consumer.endOffsets(List.of(tp)).get(tp);
                assertThat(atKill).as("killed mid-file").isLessThan(lines);
                Process second = startLogged("second", "connect", dir.resolve("big.properties").toString(),
                        "--bootstrap", bootstrap);
                try {
                    deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
                    while (consumer.endOffsets(List.of(tp)).get(tp) < lines && System.nanoTime() < deadline) {
                        assertThat(second.isAlive()).as(Files.readString(dir.resolve("second.err"))).isTrue();
                        Thread.sleep(20);
                    }
                    Thread.sleep(300); // anything more it would send
                    second.destroy();
                    assertThat(second.waitFor(60, TimeUnit.SECONDS)).isTrue();
                } finally {
                    second.destroyForcibly();
                }
            }
            broker.destroy();
            assertThat(broker.waitFor(60, TimeUnit.SECONDS)).isTrue();
        } finally {
            broker.destroyForcibly();
        }
        List<String> read = sluice("", "consume", "big").out().lines().toList();
        // Every line, in order; lines after the last stored position may come again (at-least-once), as one
        // contiguous replay.
        int replays = 0;
        int expected = 0;
        for (int i = 0; i < read.size(); i++) {
            int n = Integer.parseInt(read.get(i).substring("line-".length()));
            if (n != expected) {
                replays++;
                assertThat(n).as("a replay goes back, never forward: record " + i).isLessThan(expected);
            }
            expected = n + 1;
        }
        assertThat(replays).isLessThanOrEqualTo(1);
        assertThat(expected).isEqualTo(lines);
    }

    @Test
    void shouldServeKafkaClientsFromBrokerStartUntilSigterm() throws Exception {
        sluice("", "topics", "create", "orders", "--partitions", "3");
        Process broker = start("broker", "start", "--listeners", "PLAINTEXT://127.0.0.1:0", "--metrics-port", "0");
        try {
            Path err = dir.resolve("err.txt");
            java.util.regex.Matcher m = awaitInStderr(broker,
                    "listening on (127\\.0\\.0\\.1:\\d+) for Kafka clients[^\\n]*\\nMetrics on (http://\\S+)");
            java.util.Properties props = new java.util.Properties();
            props.put("bootstrap.servers", m.group(1));
            try (org.apache.kafka.clients.admin.AdminClient admin = org.apache.kafka.clients.admin.AdminClient
                    .create(props)) {
                assertThat(admin.listTopics().names().get(20, TimeUnit.SECONDS)).contains("orders");
            }
            String scraped = java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create(m.group(2))).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            assertThat(scraped).contains("sluice_log_end_offset{topic=\"orders\",partition=\"2\"} 0");
            // The same commands as on a data directory, over the network with --bootstrap.
            String bootstrap = "--bootstrap=" + m.group(1);
            assertThat(inProcess("", "topics", "create", "lines", "-p", "2", bootstrap)).contains("Created topic");
            inProcess("one\ntwo\nthree\n", "produce", "lines", bootstrap);
            assertThat(inProcess("", "consume", "lines", "--group", "readers", bootstrap).lines())
                    .containsExactlyInAnyOrder("one", "two", "three");
            assertThat(inProcess("", "groups", "describe", "readers", bootstrap)).contains("lines");
            assertThat(inProcess("", "topics", "list", bootstrap).lines()).contains("orders", "lines");
            // The client benchmarks measure the server as they measure an embedded broker.
            assertThat(inProcess("", "perf", "produce", "--records", "20000", "--warmup-records", "0", "--topic",
                    "perf-net", "--partitions", "3", "--acks", "all", bootstrap))
                    .contains("20,000 records x 100 B into " + m.group(1), "throughput", "p99");
            assertThat(inProcess("", "perf", "consume", "--records", "20000", "--topic", "perf-net", bootstrap))
                    .contains("20,000 records from perf-net (3 partitions) of " + m.group(1), "records/s");
            assertThat(inProcess("", "perf", "e2e", "--records", "50", bootstrap))
                    .contains("sluice perf e2e: " + m.group(1), "50 records", "p99");
            assertThat(Sluice.commandLine().execute("perf", "produce", "--journal-threads", "2", bootstrap))
                    .isEqualTo(2);
            // And a job, its state, changelog and commits over the network.
            inProcess("", "topics", "create", "word-counts", "-p", "2", bootstrap);
            inProcess("", "run", "io.sluice.samples.WordCount", "--stop-when-caught-up", "-D", "commit.interval.ms=100",
                    "-D", "state.dir=" + dir.resolve("state"), bootstrap);
            assertThat(inProcess("", "consume", "word-counts", "--format", "{key}={value}", "--value-format", "long",
                    bootstrap).lines()).containsExactlyInAnyOrder("one=1", "two=1", "three=1");
            broker.destroy(); // SIGTERM
            assertThat(broker.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(Files.readString(err)).contains("Stopped the broker cleanly");
        } finally {
            broker.destroyForcibly();
        }
        assertThat(sluice("", "topics", "list").out().lines()).contains("orders"); // the lock was released
    }

    /** Waits (60 s at most) for the child's stderr to show {@code regex}; the match. */
    private java.util.regex.Matcher awaitInStderr(Process process, String regex) throws Exception {
        Path err = dir.resolve("err.txt");
        java.util.regex.Pattern pattern = java.util.regex.Pattern.compile(regex);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        java.util.regex.Matcher m;
        while (!(m = pattern.matcher(Files.readString(err))).find() && System.nanoTime() < deadline) {
            assertThat(process.isAlive()).as(Files.readString(err)).isTrue();
            Thread.sleep(50);
        }
        assertThat(m.find(0)).as(Files.readString(err)).isTrue();
        return m;
    }

    /**
     * Out of file descriptors, a server cannot accept: the broker waits a moment and tries again, and serves
     * clients again once descriptors are free. (Before, the failed accept ended the network thread, and with it
     * every connection to come.)
     */
    @Test
    void shouldAcceptAgainAfterRunningOutOfFileDescriptors() throws Exception {
        Process broker = start("broker", "start", "--listeners", "PLAINTEXT://127.0.0.1:0");
        List<java.net.Socket> sockets = new ArrayList<>();
        try {
            String address = awaitInStderr(broker, "listening on (127\\.0\\.0\\.1:\\d+) for Kafka clients")
                    .group(1);
            int port = Integer.parseInt(address.substring(address.indexOf(':') + 1));
            long open;
            try (var fds = Files.list(Path.of("/proc", Long.toString(broker.pid()), "fd"))) {
                open = fds.count();
            }
            // Room for 10 more descriptors (the soft limit only: raising it again needs no privilege).
            Process limit = new ProcessBuilder("prlimit", "--pid", Long.toString(broker.pid()),
                    "--nofile=" + (open + 10) + ":").redirectErrorStream(true).start();
            assertThat(limit.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(limit.exitValue()).as(new String(limit.getInputStream().readAllBytes())).isZero();
            for (int i = 0; i < 40; i++) {
                sockets.add(new java.net.Socket("127.0.0.1", port)); // the kernel's backlog takes them all
            }
            awaitInStderr(broker, "Cannot accept connections");
            for (java.net.Socket socket : sockets) {
                socket.close();
            }
            java.util.Properties props = new java.util.Properties();
            props.put("bootstrap.servers", address);
            try (org.apache.kafka.clients.admin.AdminClient admin = org.apache.kafka.clients.admin.AdminClient
                    .create(props)) {
                assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).isNotNull();
            }
            assertThat(broker.isAlive()).isTrue();
        } finally {
            for (java.net.Socket socket : sockets) {
                socket.close();
            }
            broker.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void shouldRunTheDemoEndToEnd() throws Exception {
        Run demo = sluice("", "demo", "--lines", "20000", "--rate", "0");
        assertThat(demo.exitCode()).as(demo.err()).isZero();
        assertThat(demo.out()).contains("Processed and committed 20,000 lines", "p99",
                "OK: all 1,000 word counts match the 200,000 words produced.");
    }
}
