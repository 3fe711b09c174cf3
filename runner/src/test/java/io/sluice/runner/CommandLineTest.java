package io.sluice.runner;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.broker.Broker;
import io.sluice.broker.ConsumerRecord;
import io.sluice.broker.TopicPartition;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The topics, produce, consume and groups commands through picocli, on a data directory per test. */
class CommandLineTest {
    @TempDir
    Path dir;

    private record Result(int exitCode, String out, String err) {
        List<String> lines() {
            return out.isEmpty() ? List.of() : List.of(out.split("\n"));
        }
    }

    private Result sluice(String... args) {
        return sluiceWithInput("", args);
    }

    private Result sluiceWithInput(String stdin, String... args) {
        List<String> withDir = new ArrayList<>(List.of(args));
        withDir.add("--data-dir=" + dir);
        return sluiceAsGiven(stdin, withDir.toArray(String[]::new));
    }

    /** The command with exactly these arguments (no data directory added). */
    private Result sluiceAsGiven(String stdin, String... args) {
        CommandLine cli = Sluice.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        InputStream stdinBefore = System.in;
        System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
        try {
            int code = cli.execute(args);
            return new Result(code, out.toString().replace("\r\n", "\n"), err.toString());
        } finally {
            System.setIn(stdinBefore);
        }
    }

    @Test
    void shouldCreateDescribeAlterAndDeleteTopics() {
        assertThat(sluice("topics", "create", "orders", "-p", "3", "-c", "retention.ms=3600000").exitCode())
                .isZero();
        assertThat(sluice("topics", "create", "audit").exitCode()).isZero();
        assertThat(sluice("topics", "list").lines()).containsExactly("audit", "orders");

        Result described = sluice("topics", "describe", "orders");
        assertThat(described.out()).contains("Topic: orders  Partitions: 3", "retention.ms=3600000");

        assertThat(sluice("topics", "alter", "orders", "-p", "5", "-c", "retention.ms=60000").exitCode()).isZero();
        assertThat(sluice("topics", "describe", "orders").out()).contains("Partitions: 5", "retention.ms=60000");
        assertThat(sluice("topics", "alter", "orders", "--delete-config", "retention.ms").exitCode()).isZero();
        assertThat(sluice("topics", "describe", "orders").out()).contains("(broker defaults)");

        assertThat(sluice("topics", "delete", "audit").exitCode()).isZero();
        assertThat(sluice("topics", "list").lines()).containsExactly("orders");
    }

    @Test
    void shouldFailWithOneLineForBadTopicCommands() {
        sluice("topics", "create", "orders");
        assertOneLineError(sluice("topics", "create", "orders"), 1, "already exists");
        assertThat(sluice("topics", "create", "orders", "--if-not-exists").exitCode()).isZero();
        assertOneLineError(sluice("topics", "create", "t", "-c", "no.such.config=1"), 1, "no.such.config");
        assertOneLineError(sluice("topics", "create", "t", "-p", "0"), 2, "--partitions");
        assertOneLineError(sluice("topics", "describe", "missing"), 1, "missing");
        assertOneLineError(sluice("topics", "delete", "orders", "missing"), 1, "missing");
        assertThat(sluice("topics", "list").lines()).containsExactly("orders"); // nothing deleted
        assertOneLineError(sluice("topics", "alter", "orders"), 2, "Nothing to alter");
        assertOneLineError(sluice("topics", "alter", "orders", "-p", "0"), 1, "");
        assertOneLineError(sluice("topics", "lsit"), 2, "lsit");
        assertOneLineError(sluice("topics", "list", "--no-such-flag"), 2, "--no-such-flag");
    }

    @Test
    @Timeout(60)
    void shouldRefuseATopicOf100000PartitionsAndDeleteOneThatTopicsJsonRecords() throws Exception {
        assertOneLineError(sluice("topics", "create", "t8", "--partitions", "100000"), 1,
                "Excessively large number of partitions per request: topic=t8, partitions=100000, limit=10000");
        assertThat(sluice("topics", "list").lines()).isEmpty();
        assertThat(sluice("topics", "create", "t8", "-p", "3").exitCode()).isZero();
        assertThat(sluice("topics", "create", "kept").exitCode()).isZero();
        TopicsJson.recordPartitionCount(dir, "t8", 100_000);

        assertThat(sluice("topics", "list").lines()).containsExactly("kept", "t8");
        assertOneLineError(sluice("topics", "describe", "t8"), 1, "max.topic.partitions");
        assertThat(sluice("topics", "delete", "t8").exitCode()).isZero();
        assertThat(sluice("topics", "list").lines()).containsExactly("kept");
        assertThat(sluice("topics", "describe", "kept").out()).contains("Topic: kept  Partitions: 1");
    }

    @Test
    void shouldProduceLinesWithKeysAndHeadersAndConsumeThemInEveryFormat() {
        sluice("topics", "create", "orders", "-p", "2");
        Result produced = sluiceWithInput("k1:first\nk2:second\nk1:third\n", "produce", "orders", "-K", ":",
                "-H", "source=cli");
        assertThat(produced.exitCode()).isZero();
        assertThat(produced.err()).contains("Produced 3 records to orders");

        Result consumed = sluice("consume", "orders", "--format", "{key}={value} {headers} p{partition}");
        assertThat(consumed.lines()).hasSize(3)
                .contains("k2=second source=cli p" + partitionOf("k2", 2));
        // Same key, same partition, in order.
        assertThat(consumed.lines()).containsSubsequence("k1=first source=cli p" + partitionOf("k1", 2),
                "k1=third source=cli p" + partitionOf("k1", 2));

        Result json = sluice("consume", "orders", "--json");
        assertThat(json.lines()).hasSize(3).anySatisfy(line -> assertThat(line)
                .contains("\"key\":\"k2\"", "\"value\":\"second\"", "\"headers\":{\"source\":\"cli\"}"));
        int otherPartition = 1 - partitionOf("k1", 2);
        assertThat(sluice("consume", "orders", "-p", String.valueOf(otherPartition)).lines())
                .doesNotContain("first", "third");
        assertThat(sluice("consume", "orders", "-n", "1").lines()).hasSize(1);
    }

    @Test
    void shouldProduceJsonRecordsWithTheirOwnKeysHeadersPartitionsAndTimestamps() {
        sluice("topics", "create", "events", "-p", "3");
        String input = """
                {"key":"a","value":{"n":1},"headers":{"h":"x"},"partition":2,"timestamp":"2026-11-30T08:00:00Z"}
                {"value":"plain text"}
                """;
        assertThat(sluiceWithInput(input, "produce", "events", "--json").exitCode()).isZero();
        try (Broker broker = Broker.start(dir); var consumer = broker.consumer()) {
            List<TopicPartition> partitions = consumer.partitionsFor("events");
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            List<ConsumerRecord> records = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (records.size() < 2 && System.nanoTime() < deadline) {
                records.addAll(consumer.poll(Duration.ofMillis(100)));
            }
            assertThat(records).hasSize(2);
            ConsumerRecord first = records.stream().filter(r -> r.key() != null).findFirst().orElseThrow();
            assertThat(first.partition()).isEqualTo(2);
            assertThat(first.timestamp()).isEqualTo(java.time.Instant.parse("2026-11-30T08:00:00Z").toEpochMilli());
            assertThat(new String(first.value(), StandardCharsets.UTF_8)).isEqualTo("{\"n\":1}");
            assertThat(first.headers()).singleElement().satisfies(h -> assertThat(h.key()).isEqualTo("h"));
            ConsumerRecord second = records.stream().filter(r -> r.key() == null).findFirst().orElseThrow();
            assertThat(new String(second.value(), StandardCharsets.UTF_8)).isEqualTo("plain text");
        }
    }

    @Test
    void shouldStopAtABadLineKeepingTheLinesBeforeIt() {
        sluice("topics", "create", "orders");
        Result noSeparator = sluiceWithInput("a:1\nb:2\nno separator here\nc:3\n", "produce", "orders", "-K", ":");
        assertOneLineError(noSeparator, 1, "line 3");
        assertThat(noSeparator.err()).contains("2 records before it were produced");
        Result badJson = sluiceWithInput("{\"value\":\"ok\"}\n{oops\n", "produce", "orders", "--json");
        assertOneLineError(badJson, 1, "line 2: not JSON");
        assertOneLineError(sluiceWithInput("{\"value\":1,\"colour\":\"red\"}\n", "produce", "orders", "--json"), 1,
                "unknown field \"colour\"");
        assertOneLineError(sluiceWithInput("{\"value\":1,\"partition\":7}\n", "produce", "orders", "--json"), 1,
                "No partition 7");
        assertThat(sluice("consume", "orders").lines()).containsExactly("1", "2", "ok");

        assertOneLineError(sluiceWithInput("x\n", "produce", "missing"), 1, "missing");
        assertOneLineError(sluiceWithInput("x\n", "produce", "orders", "-p", "1"), 1, "No partition 1");
        assertOneLineError(sluice("consume", "missing"), 1, "missing");
        assertOneLineError(sluice("consume", "orders", "--format", "{nope}"), 2, "{nope}");
        assertOneLineError(sluice("consume", "orders", "--from-time", "yesterday"), 1, "Not a time");
        assertOneLineError(sluice("consume", "orders", "--offset", "1", "--from-beginning"), 2, "exclude");
    }

    @Test
    void shouldStartFromAnOffsetOrATime() {
        sluice("topics", "create", "log");
        String input = """
                {"value":"old","timestamp":1000}
                {"value":"mid","timestamp":2000}
                {"value":"new","timestamp":3000}
                """;
        sluiceWithInput(input, "produce", "log", "--json");
        assertThat(sluice("consume", "log", "--offset", "1").lines()).containsExactly("mid", "new");
        assertThat(sluice("consume", "log", "--from-time", "1500").lines()).containsExactly("mid", "new");
        assertThat(sluice("consume", "log", "--from-time", "9999").lines()).isEmpty();
        assertThat(sluice("consume", "log", "--offset", "0", "-n", "2", "--format", "{offset}:{timestamp}").lines())
                .containsExactly("0:1000", "1:2000");
    }

    @Test
    void shouldResumeAGroupAndResetItsOffsets() {
        sluice("topics", "create", "log");
        sluiceWithInput("a\nb\nc\nd\n", "produce", "log");
        assertThat(sluice("consume", "log", "-g", "audit", "-n", "3").lines()).containsExactly("a", "b", "c");
        assertThat(sluice("groups", "list").lines()).containsExactly("audit");
        assertThat(sluice("groups", "describe", "audit").lines()).last().asString()
                .matches("log\\s+0\\s+3\\s+4\\s+1");
        assertThat(sluice("consume", "log", "-g", "audit").lines()).containsExactly("d");

        Result dryRun = sluice("groups", "reset-offsets", "audit", "-t", "log", "--shift-by", "-2");
        assertThat(dryRun.out()).contains("Dry run");
        assertThat(sluice("groups", "describe", "audit").lines()).last().asString().matches("log\\s+0\\s+4\\s+4\\s+0");
        assertThat(sluice("groups", "reset-offsets", "audit", "-t", "log", "--shift-by", "-2", "--execute")
                .exitCode()).isZero();
        assertThat(sluice("consume", "log", "-g", "audit").lines()).containsExactly("c", "d");
        sluice("groups", "reset-offsets", "audit", "-t", "log", "--to-earliest", "--execute");
        assertThat(sluice("consume", "log", "-g", "audit", "-n", "1").lines()).containsExactly("a");
        sluice("groups", "reset-offsets", "audit", "-t", "log", "--to-offset", "99", "--execute"); // clamped to end
        assertThat(sluice("consume", "log", "-g", "audit").lines()).isEmpty();
        assertThat(sluice("consume", "log", "-g", "audit", "--from-beginning", "-n", "1").lines())
                .containsExactly("a");

        assertOneLineError(sluice("groups", "describe", "nobody"), 1, "Unknown group: nobody");
        assertOneLineError(sluice("groups", "reset-offsets", "audit", "-t", "log"), 2, "--to-earliest");
        assertOneLineError(sluice("groups", "reset-offsets", "audit", "-t", "log", "--to-earliest", "--to-latest"),
                2, "mutually exclusive");
    }

    @Test
    void shouldDeleteOldRecordsAndGroups() {
        sluice("topics", "create", "log", "--partitions", "2");
        sluiceWithInput("a\nb\nc\nd\n", "produce", "log", "--partition", "0");
        assertThat(sluice("topics", "delete-records", "log", "--before", "2", "-p", "0").lines())
                .containsExactly("log-0: records below 2 deleted");
        assertThat(sluice("consume", "log", "--from-beginning").lines()).containsExactly("c", "d");
        assertThat(sluice("topics", "delete-records", "log", "--before", "end").lines())
                .containsExactly("log-0: records below 4 deleted", "log-1: records below 0 deleted");
        assertThat(sluice("consume", "log", "--from-beginning").lines()).isEmpty();
        assertOneLineError(sluice("topics", "delete-records", "log", "--before", "9", "-p", "1"), 1, "out of range");
        assertOneLineError(sluice("topics", "delete-records", "log", "--before", "soon"), 2, "'end'");

        sluiceWithInput("e\n", "produce", "log", "--partition", "0");
        assertThat(sluice("consume", "log", "-g", "audit").lines()).containsExactly("e");
        assertThat(sluice("groups", "delete", "audit").lines()).containsExactly("Deleted group audit");
        assertThat(sluice("groups", "list").lines()).isEmpty();
        assertOneLineError(sluice("groups", "delete", "audit"), 1, "Unknown group: group=audit");
    }

    @Test
    void shouldRunTheConnectorPipelineSampleInOneCommand() throws Exception {
        sluice("topics", "create", "orders", "-p", "3");
        sluice("topics", "create", "order-totals", "-p", "3");
        // The generator as committed; the file sink writing into this test's directory.
        Path totals = dir.resolve("order-totals.tsv");
        java.nio.file.Files.writeString(dir.resolve("to-file.properties"), "name=totals-to-file\n"
                + "connector.class=FileSinkConnector\ntopics=order-totals\nformat=key-value\nfile=" + totals + "\n"
                + "offset.flush.interval.ms=100\n");
        Result run = sluice("run", "io.sluice.samples.OrderTotals", "--connector",
                Path.of("../samples/pipeline/orders-generator.properties").toString(), "--connector",
                dir.resolve("to-file.properties").toString(), "--stop-when-caught-up", "-D",
                "commit.interval.ms=100", "-D", "state.dir=" + dir.resolve("state"));
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.err()).contains("Caught up: stopped job order-totals");
        // The last total of each customer counts every one of the 10,000 generated orders.
        Map<String, Long> orders = new java.util.HashMap<>();
        for (String line : java.nio.file.Files.readAllLines(totals)) {
            String[] kv = line.split("\t");
            long count = new com.fasterxml.jackson.databind.ObjectMapper().readTree(kv[1]).get("orders").asLong();
            orders.merge(kv[0], count, Math::max);
        }
        assertThat(orders).hasSize(20);
        assertThat(orders.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(10_000);
    }

    @Test
    void shouldStopAndSaySoWhenAConnectorTaskFails() throws Exception {
        sluice("topics", "create", "rows");
        // Nothing listens on port 1: the task fails as it starts, and the command does not run on idle.
        java.nio.file.Files.writeString(dir.resolve("db.properties"), "name=db\nconnector.class=JdbcSourceConnector\n"
                + "connection.url=jdbc:postgresql://127.0.0.1:1/none\ntable=t\ntopic=rows\n");
        Result failed = sluice("connect", dir.resolve("db.properties").toString());
        assertThat(failed.exitCode()).isEqualTo(1);
        assertThat(failed.err()).contains("Connector task db-0 failed").contains("A connector task failed: db-0");
        java.nio.file.Files.writeString(dir.resolve("upsert.properties"), "name=up\nconnector.class="
                + "JdbcSinkConnector\nconnection.url=jdbc:postgresql://127.0.0.1:1/none\ntable=t\ntopics=rows\n"
                + "insert.mode=upsert\n");
        assertOneLineError(sluice("connect", dir.resolve("upsert.properties").toString()), 1, "pk.fields");
    }

    @Test
    void shouldNameTheMissingDataDirectory() {
        Path missing = dir.resolve("nowhere");
        CommandLine cli = Sluice.commandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err, true));
        assertThat(cli.execute("topics", "list", "--data-dir", missing.toString())).isEqualTo(1);
        assertThat(err.toString()).contains("No data directory at " + missing).doesNotContain("Exception");
    }

    @Test
    void shouldRunAJobClassUntilItHasCaughtUp() {
        sluice("topics", "create", "lines", "-p", "2");
        sluice("topics", "create", "word-counts", "-p", "2");
        sluiceWithInput("to be or not to be\n", "produce", "lines");
        Result run = sluice("run", "io.sluice.samples.WordCount", "--stop-when-caught-up", "-D",
                "commit.interval.ms=50");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.err()).contains("Running job word-count", "Caught up: stopped job word-count");
        assertThat(sluice("consume", "word-counts", "--format", "{key}={value}", "--value-format", "long").lines())
                .contains("to=2", "be=2", "or=1", "not=1");
    }

    @Test
    void shouldPassAppSettingsFromAFileAndOverridesToAStreamJob() throws Exception {
        sluice("topics", "create", "lines");
        sluice("topics", "create", "long-lines");
        sluiceWithInput("a\nabcd\nabcdef\nab\n", "produce", "lines");
        Path yaml = dir.resolve("job.yaml");
        java.nio.file.Files.writeString(yaml, "commit:\n  interval.ms: 50\napp:\n  min-length: 6\n");
        Result run = sluice("run", LongWordsJob.class.getName(), "--config", yaml.toString(), "-D",
                "app.min-length=4", "--stop-when-caught-up");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(sluice("consume", "long-lines").lines()).containsExactly("abcd", "abcdef");
    }

    @Test
    void shouldProfileEachOperatorOfARunningJob() {
        sluice("topics", "create", "lines");
        sluice("topics", "create", "long-lines");
        sluiceWithInput("a\nabcd\nabcdef\nab\n", "produce", "lines");
        Path profile = dir.resolve("profile");
        Result run = sluice("run", LongWordsJob.class.getName(), "--stop-when-caught-up", "--profile",
                profile.toString(), "--profile-sample", "1", "-D", "app.min-length=4");
        assertThat(run.exitCode()).as(run.err()).isZero();
        // Every operator of the topology, each line timed (sample 1), the two long ones through to the sink.
        assertThat(run.err()).containsPattern("source-lines +4 ").containsPattern("filter-1 +4 ")
                .containsPattern("to-long-lines-1 +2 ").containsPattern("end-to-end +2 ");
        assertThat(profile.resolve("latency.svg")).exists();
        assertThat(profile.resolve("latency.hlog")).exists();
        assertThat(profile.resolve("filter-1.hgrm")).exists();
    }

    @Test
    void shouldMeasureEndToEndLatencyOneRecordAtATimeAndAtARate() {
        java.io.PrintStream before = System.out;
        java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
        System.setOut(new java.io.PrintStream(printed, true, StandardCharsets.UTF_8));
        try {
            assertThat(Sluice.commandLine().execute("perf", "e2e", "--records", "200")).isZero();
            assertThat(Sluice.commandLine().execute("perf", "e2e", "--rate", "2000", "--duration-s", "1")).isZero();
        } finally {
            System.setOut(before);
        }
        assertThat(printed.toString(StandardCharsets.UTF_8))
                .contains("one at a time   200 records (after 200 of warm-up), acks=1")
                .containsPattern("input rate      2,000 records/s for 1 s \\(after 5 s warm-up\\), 2,\\d{3} timed")
                .containsPattern("end-to-end      p50 [0-9.]+ [µm]?s");
        assertOneLineError(sluice("perf", "e2e", "--record-size", "4"), 2, "record size at least 8");
    }

    @Test
    void shouldRefuseBadJobsAndConfigsBeforeStarting() throws Exception {
        sluice("topics", "create", "lines");
        assertOneLineError(sluice("run", "com.example.Missing"), 1, "Job class not found: com.example.Missing");
        assertOneLineError(sluice("run", "java.lang.String"), 1, "java.lang.String is not a job");
        assertOneLineError(sluice("run", LongWordsJob.class.getName(), "-D", "comit.interval.ms=5"), 1,
                "comit.interval.ms");
        assertOneLineError(sluice("run", LongWordsJob.class.getName(), "-D", "broker.no.such=1"), 1, "no.such");
        assertOneLineError(sluice("run", LongWordsJob.class.getName(), "-D", "client.linger.ms=5"), 1,
                "client.* settings are Kafka's client properties for a cluster reached with --bootstrap");
        assertOneLineError(sluice("run", LongWordsJob.class.getName(), "--config", "missing.yaml"), 1,
                "Config file not found");
        Path broken = dir.resolve("broken.yaml");
        java.nio.file.Files.writeString(broken, "app:\n  - [unclosed\n");
        assertOneLineError(sluice("run", LongWordsJob.class.getName(), "--config", broken.toString()), 1,
                "Invalid YAML");
        assertOneLineError(sluice("run", LongWordsJob.class.getName(), "--jar", "nowhere.jar"), 1,
                "Job jar not found");
        assertOneLineError(sluice("run", "io.sluice.samples.WordCount", "-D", "app.x=1"), 1, "takes no settings");
        // long-lines does not exist: the job names it and stops.
        assertOneLineError(sluice("run", LongWordsJob.class.getName()), 1, "long-lines");
    }

    @Test
    void shouldListAndRunTheSamples() {
        assertThat(sluiceAsGiven("", "samples", "list").lines()).hasSize(4)
                .anySatisfy(line -> assertThat(line).startsWith("orders "));
        Result run = sluice("samples", "run", "sessions");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("Topology site-activity", "user-sessions (4 records):",
                "\"pages\":[\"/\",\"/pricing\",\"/signup\"]");
        assertOneLineError(sluice("samples", "run", "nope"), 1, "Unknown sample: nope (samples: orders");
    }

    private static void assertOneLineError(Result result, int exitCode, String mentions) {
        assertThat(result.exitCode()).as(result.err()).isEqualTo(exitCode);
        assertThat(result.err().strip()).startsWith("error: ").contains(mentions).doesNotContain("\n")
                .doesNotContain("\tat ");
    }

    private static int partitionOf(String key, int partitions) {
        byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
        return (org.apache.kafka.common.utils.Utils.murmur2(bytes) & 0x7fffffff) % partitions;
    }
}
