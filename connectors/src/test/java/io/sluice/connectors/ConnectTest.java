package io.sluice.connectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.broker.Admin;
import io.sluice.broker.Broker;
import io.sluice.broker.Consumer;
import io.sluice.broker.ConsumerRecord;
import io.sluice.broker.InvalidConfigException;
import io.sluice.broker.NewTopic;
import io.sluice.broker.Producer;
import io.sluice.broker.ProducerRecord;
import io.sluice.broker.TopicPartition;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Connectors on the embedded broker: the file source and sink (round trips, restarts, rotation), standard input and
 * output, a dead-letter topic, retries while a target is down, bad configs.
 */
@Timeout(60)
class ConnectTest {
    @TempDir
    Path dir;
    private Broker broker;

    @BeforeEach
    void start() {
        broker = Broker.start(dir.resolve("data"));
        try (Admin admin = broker.admin()) {
            admin.createTopic(NewTopic.of("lines", 1));
        }
    }

    @AfterEach
    void stop() {
        broker.close();
    }

    private Map<String, String> source(Path file) {
        return Map.of("name", "lines-in", "connector.class", "FileSourceConnector", "file", file.toString(),
                "topic", "lines", "offset.flush.interval.ms", "50");
    }

    @Test
    void shouldTailAFileAndResumeAfterARestartWithoutLossOrRepeats() throws Exception {
        Path file = dir.resolve("app.log");
        append(file, lines(0, 100));
        try (Connect connect = Connect.start(broker, List.of(source(file)))) {
            awaitValues("lines", 100);
            append(file, lines(100, 150) + "half a li"); // the last line is not finished yet
            awaitValues("lines", 150);
            assertThat(connect.failures()).isEmpty();
        }
        append(file, "ne\n" + lines(150, 170));
        try (Connect connect = Connect.start(broker, List.of(source(file)))) {
            List<String> values = awaitValues("lines", 171);
            List<String> expected = new ArrayList<>(List.of(lines(0, 150).split("\n")));
            expected.add("half a line");
            expected.addAll(List.of(lines(150, 170).split("\n")));
            assertThat(values).containsExactlyElementsOf(expected);
        }
    }

    @Test
    void shouldFollowAFileRenamedAwayAndReplaced() throws Exception {
        Path file = dir.resolve("app.log");
        append(file, lines(0, 10));
        try (Connect connect = Connect.start(broker, List.of(source(file)))) {
            awaitValues("lines", 10);
            append(file, "last of the old file"); // no line end: the rotation finishes it
            Files.move(file, dir.resolve("app.log.1"));
            append(file, lines(10, 15));
            List<String> values = awaitValues("lines", 16);
            assertThat(values.subList(10, 16)).containsExactly("last of the old file", "line-10", "line-11",
                    "line-12", "line-13", "line-14");
        }
    }

    @Test
    void shouldReadAFileReplacedWhileStoppedFromItsStart() throws Exception {
        Path file = dir.resolve("app.log");
        append(file, lines(0, 5));
        try (Connect connect = Connect.start(broker, List.of(source(file)))) {
            awaitValues("lines", 5);
        }
        // Rotated while the connector was stopped; the new file already longer than the stored position.
        Files.move(file, dir.resolve("app.log.1"));
        append(file, lines(100, 110));
        try (Connect connect = Connect.start(broker, List.of(source(file)))) {
            List<String> values = awaitValues("lines", 15);
            assertThat(values.subList(5, 15)).containsExactlyElementsOf(List.of(lines(100, 110).split("\n")));
        }
    }

    @Test
    void shouldAppendATopicToAFileAndResumeFromWhatWasFlushed() throws Exception {
        try (Admin admin = broker.admin()) {
            admin.createTopic(NewTopic.of("orders", 3));
        }
        produce("orders", 0, 60);
        Path out = dir.resolve("out/orders.tsv");
        Map<String, String> sink = Map.of("name", "orders-out", "connector.class", "FileSinkConnector",
                "topics", "orders", "file", out.toString(), "format", "key-value",
                "offset.flush.interval.ms", "50");
        try (Connect connect = Connect.start(broker, List.of(sink))) {
            awaitLines(out, 60);
        }
        produce("orders", 60, 90);
        try (Connect connect = Connect.start(broker, List.of(sink))) {
            awaitLines(out, 90);
            Thread.sleep(200); // nothing more may come: what was flushed and committed is not written again
        }
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 90; i++) {
            expected.add("k" + i % 5 + "\tv" + i);
        }
        assertThat(Files.readAllLines(out)).containsExactlyInAnyOrderElementsOf(expected);
    }

    @Test
    void shouldNameWhatIsWrongWithAConfigBeforeStartingAnything() {
        Path file = dir.resolve("app.log");
        Map<String, String> typo = new java.util.HashMap<>(source(file));
        typo.put("fiel", "x");
        assertThatThrownBy(() -> Connect.start(broker, List.of(typo))).isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("fiel");
        Map<String, String> noTopic = new java.util.HashMap<>(source(file));
        noTopic.remove("topic");
        assertThatThrownBy(() -> Connect.start(broker, List.of(noTopic))).hasMessageContaining("topic");
        assertThatThrownBy(() -> Connect.start(broker, List.of(Map.of("name", "x", "connector.class",
                "NoSuchConnector")))).hasMessageContaining("connector.class").hasMessageContaining("NoSuchConnector");
        assertThatThrownBy(() -> Connect.start(broker, List.of(Map.of("name", "x", "connector.class",
                "FileSinkConnector", "topics", "missing", "file", dir.resolve("o").toString()))))
                .hasMessageContaining("no such topic");
        assertThatThrownBy(() -> Connect.start(broker, List.of(source(file), source(file))))
                .hasMessageContaining("unique");
    }

    @Test
    void shouldSetRejectedRecordsAsideInTheDeadLetterTopicWithTheReason() throws Exception {
        TestSinks.DELIVERED.clear();
        produceValues("lines", "1", "bad-2", "3", "bad-4", "5");
        Map<String, String> sink = Map.of("name", "numbers", "connector.class", TestSinks.Rejecting.class.getName(),
                "topics", "lines", "errors.deadletterqueue.topic.name", "numbers-rejected",
                "offset.flush.interval.ms", "50");
        try (Connect connect = Connect.start(broker, List.of(sink))) {
            await(() -> TestSinks.DELIVERED.size() == 3, "3 records delivered");
            List<String> rejected = awaitValues("numbers-rejected", 2);
            assertThat(rejected).containsExactly("bad-2", "bad-4");
            assertThat(connect.failures()).isEmpty();
        }
        assertThat(TestSinks.DELIVERED).containsExactly("1", "3", "5");
        try (Consumer consumer = broker.consumer()) {
            TopicPartition tp = new TopicPartition("numbers-rejected", 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            ConsumerRecord first = consumer.poll(Duration.ofSeconds(5)).get(0);
            Map<String, String> headers = new java.util.HashMap<>();
            first.headers().forEach(h -> headers.put(h.key(), new String(h.value(), StandardCharsets.UTF_8)));
            assertThat(headers).containsEntry("__connect.errors.topic", "lines")
                    .containsEntry("__connect.errors.offset", "1")
                    .containsEntry("__connect.errors.connector.name", "numbers")
                    .containsEntry("__connect.errors.exception.message", "not a number: bad-2");
        }
    }

    @Test
    void shouldRetryASinkWhoseTargetIsDownForAWhileAndThenDeliverEverything() throws Exception {
        TestSinks.DELIVERED.clear();
        TestSinks.FAILURES_LEFT.set(4); // 100 + 200 + 400 + 800 ms of waiting
        produceValues("lines", "a", "b", "c");
        Map<String, String> sink = Map.of("name", "flaky", "connector.class", TestSinks.Flaky.class.getName(),
                "topics", "lines", "offset.flush.interval.ms", "50");
        try (Connect connect = Connect.start(broker, List.of(sink))) {
            await(() -> TestSinks.DELIVERED.size() == 3, "3 records delivered after the failures");
            produceValues("lines", "d");
            await(() -> TestSinks.DELIVERED.size() == 4, "the next record");
            assertThat(connect.failures()).isEmpty();
        }
        assertThat(TestSinks.DELIVERED).containsExactly("a", "b", "c", "d");
        assertThat(TestSinks.FAILURES_LEFT.get()).isZero();
    }

    @Test
    void shouldStayInItsGroupThroughAnOutageLongerThanTheMaxPollInterval() throws Exception {
        TestSinks.DELIVERED.clear();
        TestSinks.FAILURES_LEFT.set(5); // 100 + 200 + 400 + 800 + 1,600 ms of waiting: 3 s down
        produceValues("lines", "a", "b");
        Map<String, String> sink = Map.of("name", "outage", "connector.class", TestSinks.Flaky.class.getName(),
                "topics", "lines", "offset.flush.interval.ms", "50",
                "consumer.override.max.poll.interval.ms", "1000");
        try (Connect connect = Connect.start(broker, List.of(sink))) {
            await(() -> TestSinks.DELIVERED.size() == 2, "2 records delivered after the outage");
            produceValues("lines", "c");
            await(() -> TestSinks.DELIVERED.size() == 3, "the next record");
            assertThat(connect.failures()).as("still in its group, committing").isEmpty();
        }
        assertThat(TestSinks.DELIVERED).containsExactly("a", "b", "c");
    }

    @Test
    void shouldPipeStandardInputThroughATopicToStandardOutput() throws Exception {
        java.io.InputStream stdin = System.in;
        java.io.PrintStream stdout = System.out;
        java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
        System.setIn(new java.io.ByteArrayInputStream("one\ntwo\nthree\n".getBytes(StandardCharsets.UTF_8)));
        System.setOut(new java.io.PrintStream(printed, true, StandardCharsets.UTF_8));
        try {
            Map<String, String> in = Map.of("name", "stdin", "connector.class", "StdinSourceConnector", "topic",
                    "lines");
            try (Connect connect = Connect.start(broker, List.of(in))) {
                await(connect::sourcesEnded, "standard input read to its end");
            }
            Map<String, String> out = Map.of("name", "stdout", "connector.class", "StdoutSinkConnector", "topics",
                    "lines", "offset.flush.interval.ms", "50");
            try (Connect connect = Connect.start(broker, List.of(out))) {
                await(() -> printed.toString(StandardCharsets.UTF_8).lines().count() == 3, "3 lines printed");
            }
        } finally {
            System.setIn(stdin);
            System.setOut(stdout);
        }
        assertThat(printed.toString(StandardCharsets.UTF_8).lines()).containsExactly("one", "two", "three");
    }

    @Test
    void shouldGenerateRecordsFromATemplateAndGoOnFromWhereItStopped() throws Exception {
        Map<String, String> generator = new java.util.HashMap<>(Map.of("name", "orders-gen", "connector.class",
                "DataGenSourceConnector", "topic", "lines", "rate", "0", "records", "500", "keys", "10",
                "seed", "7", "template", "{\"seq\":${seq},\"key\":\"${key}\",\"size\":\"${random.choice(s|m|l)}\"}",
                "offset.flush.interval.ms", "50"));
        try (Connect connect = Connect.start(broker, List.of(generator))) {
            await(connect::sourcesEnded, "500 records generated");
        }
        generator.put("records", "600");
        try (Connect connect = Connect.start(broker, List.of(generator))) {
            await(connect::sourcesEnded, "100 more");
        }
        List<String> values = awaitValues("lines", 600);
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        for (int i = 0; i < 600; i++) {
            var value = json.readTree(values.get(i));
            assertThat(value.get("seq").asInt()).isEqualTo(i);
            assertThat(value.get("key").asText()).isEqualTo("key-" + i % 10);
            assertThat(value.get("size").asText()).isIn("s", "m", "l");
        }
        generator.put("template", "${nope}");
        assertThatThrownBy(() -> Connect.start(broker, List.of(generator))).isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("template").hasMessageContaining("Unknown placeholder ${nope}");
    }

    private void produceValues(String topic, String... values) {
        try (Producer producer = broker.producer()) {
            for (String v : values) {
                producer.send(ProducerRecord.of(topic, null, v));
            }
            producer.flush();
        }
    }

    private static String lines(int from, int to) {
        StringBuilder b = new StringBuilder();
        for (int i = from; i < to; i++) {
            b.append("line-").append(i).append('\n');
        }
        return b.toString();
    }

    private static void append(Path file, String text) throws Exception {
        Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    private void produce(String topic, int from, int to) {
        try (Producer producer = broker.producer()) {
            for (int i = from; i < to; i++) {
                producer.send(ProducerRecord.of(topic, "k" + i % 5, "v" + i));
            }
            producer.flush();
        }
    }

    /** The topic's values from its start, once it holds at least {@code count}. */
    private List<String> awaitValues(String topic, int count) throws Exception {
        TopicPartition tp = new TopicPartition(topic, 0);
        await(() -> {
            try (Consumer consumer = broker.consumer()) {
                return consumer.endOffsets(List.of(tp)).get(tp) >= count;
            }
        }, topic + " holding " + count + " records");
        List<String> values = new ArrayList<>();
        try (Consumer consumer = broker.consumer()) {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long end = consumer.endOffsets(List.of(tp)).get(tp);
            while (consumer.position(tp) < end) {
                consumer.poll(Duration.ofMillis(100)).stream().map(ConsumerRecord::valueAsString).forEach(values::add);
            }
        }
        return values;
    }

    private static void awaitLines(Path file, int count) throws Exception {
        await(() -> Files.exists(file) && Files.readAllLines(file).size() >= count, file + " holding " + count
                + " lines");
    }

    private interface Condition {
        boolean met() throws Exception;
    }

    private static void await(Condition condition, String what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.met()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }
}
