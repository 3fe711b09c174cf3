package io.sluice.samples;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.broker.Broker;
import io.sluice.broker.BrokerConfig;
import io.sluice.broker.Cluster;
import io.sluice.broker.ConsumerRecord;
import io.sluice.broker.RemoteCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Jobs anywhere: each sample run against Apache Kafka 4.2 (a real KRaft broker in a child JVM) and against sluice's
 * Kafka-protocol server — both reached over TCP by the same job code — gives the outputs the test driver gives, as
 * on the embedded broker (SamplesOnBrokerTest).
 */
@Timeout(120)
class SamplesOnKafkaIT {
    @TempDir
    static Path dir;
    private static ApacheKafka kafka;
    private static Broker sluiceServer;

    @BeforeAll
    static void start() throws Exception {
        kafka = ApacheKafka.start(Files.createDirectories(dir.resolve("kafka")));
        sluiceServer = Broker.start(BrokerConfig.builder(dir.resolve("sluice"))
                .set(BrokerConfig.LISTENERS, "PLAINTEXT://127.0.0.1:0").build());
    }

    @AfterAll
    static void stop() throws Exception {
        if (sluiceServer != null) {
            sluiceServer.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    static List<Sample> samples() {
        return Sample.all();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void shouldGiveTheDriversOutputsOnApacheKafka(Sample sample) throws Exception {
        try (Cluster cluster = RemoteCluster.connect(kafka.bootstrapServers())) {
            assertSameOutputsAsTheDriver(sample, cluster);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void shouldGiveTheDriversOutputsOnASluiceServer(Sample sample) throws Exception {
        try (Cluster cluster = RemoteCluster.connect(sluiceServer.bootstrapServers().orElseThrow())) {
            assertSameOutputsAsTheDriver(sample, cluster);
        }
    }

    /**
     * Two instances of the word count share its tasks through a Kafka consumer group; when one leaves, the other
     * takes its tasks over with their counts, restored from the changelogs on Apache Kafka.
     */
    @org.junit.jupiter.api.Test
    void shouldShareAJobBetweenTwoInstancesOnApacheKafka() throws Exception {
        try (Cluster cluster = RemoteCluster.connect(kafka.bootstrapServers())) {
            try (io.sluice.broker.Admin admin = cluster.admin()) {
                admin.createTopic(io.sluice.broker.NewTopic.of(WordCount.INPUT_TOPIC, 4));
                admin.createTopic(io.sluice.broker.NewTopic.of(WordCount.OUTPUT_TOPIC, 4));
            }
            produceLines(cluster, 0, 200);
            io.sluice.engine.Job first = io.sluice.engine.Job.start(WordCount.topology(), cluster, instance("first"));
            io.sluice.engine.Job second = null;
            try {
                assertThat(first.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
                second = io.sluice.engine.Job.start(WordCount.topology(), cluster, instance("second"));
                assertThat(second.awaitRunning(Duration.ofSeconds(60))).isTrue();
                produceLines(cluster, 200, 400);
                assertThat(second.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
                assertThat(hats(first) + hats(second)).isEqualTo(400);
                first.close();
                produceLines(cluster, 400, 600);
                assertThat(second.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (hats(second) < 600 && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                assertThat(hats(second)).isEqualTo(600);
            } finally {
                first.close();
                if (second != null) {
                    second.close();
                }
            }
        }
    }

    private static io.sluice.engine.JobConfig instance(String name) {
        return io.sluice.engine.JobConfig.defaults().with(io.sluice.engine.JobConfig.COMMIT_INTERVAL_MS, 100)
                .with(io.sluice.engine.JobConfig.STATE_DIR, dir.resolve(name).toString());
    }

    private static void produceLines(Cluster cluster, int from, int to) {
        try (io.sluice.broker.Producer producer = cluster.producer()) {
            for (int i = from; i < to; i++) {
                producer.send(io.sluice.broker.ProducerRecord.of(WordCount.INPUT_TOPIC, "line-" + i,
                        "the cat in the hat"));
            }
            producer.flush();
        }
    }

    private static long hats(io.sluice.engine.Job job) {
        io.sluice.engine.ReadOnlyKeyValueStore<String, Long> counts = job.store(WordCount.STORE);
        Long hats = counts.get("hat");
        return hats == null ? 0 : hats;
    }

    private static void assertSameOutputsAsTheDriver(Sample sample, Cluster cluster) throws Exception {
        Map<String, List<String>> expected = SamplesTest.run(sample);
        Map<String, List<ConsumerRecord>> outputs = SampleRunner.run(sample, cluster, Duration.ofSeconds(60));
        for (String topic : sample.outputs()) {
            List<String> lines = outputs.get(topic).stream().map(SamplesTest::line).toList();
            assertThat(lines).as(topic).isNotEmpty();
            assertThat(lines).as(topic).containsExactlyInAnyOrderElementsOf(expected.get(topic));
        }
    }
}
