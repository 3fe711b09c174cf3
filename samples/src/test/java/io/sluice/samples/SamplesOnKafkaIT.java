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
