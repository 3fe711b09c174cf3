package io.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.broker.Admin;
import io.sluice.broker.Broker;
import io.sluice.broker.BrokerConfig;
import io.sluice.broker.Cluster;
import io.sluice.broker.NewTopic;
import io.sluice.broker.Producer;
import io.sluice.broker.ProducerRecord;
import io.sluice.broker.RemoteCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Instances of one job share its tasks through the group: a second instance takes some of them over, with their
 * state; when the first leaves, the second runs them all, their stores restored from the changelogs. Embedded (the
 * broker's own group coordinator) and over the Kafka protocol (the classic group protocol and Kafka's consumer).
 */
@Timeout(120)
class JobInstancesTest {
    @TempDir
    Path dir;
    private int lines;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"embedded", "kafka-protocol"})
    void shouldShareTasksAmongInstancesAndMoveThemWithTheirState(String clients) throws Exception {
        try (Broker broker = Broker.start(BrokerConfig.builder(dir.resolve("data"))
                .set(BrokerConfig.LISTENERS, "PLAINTEXT://127.0.0.1:0").build());
             Cluster cluster = clients.equals("embedded") ? broker
                     : RemoteCluster.connect(broker.bootstrapServers().orElseThrow())) {
            try (Admin admin = broker.admin()) {
                admin.createTopic(NewTopic.of("text", 4));
                admin.createTopic(NewTopic.of("word-counts", 4));
            }
            produce(broker, 100);
            Job first = Job.start(ProcessorApiTest.wordCount(), cluster, config("first"));
            Job second = null;
            try {
                assertThat(first.awaitCaughtUp(Duration.ofSeconds(60))).as("first alone").isTrue();
                assertThat(hats(first)).isEqualTo(100);

                second = Job.start(ProcessorApiTest.wordCount(), cluster, config("second"));
                assertThat(second.awaitRunning(Duration.ofSeconds(60))).isTrue();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (hats(second) == 0 && System.nanoTime() < deadline) {
                    Thread.sleep(50); // until the group has moved tasks, with their counts, to the second
                }
                produce(broker, 100);
                assertThat(second.awaitCaughtUp(Duration.ofSeconds(60))).as("both").isTrue();
                assertThat(hats(first)).as("the first kept some tasks").isPositive();
                assertThat(hats(second)).as("the second took some over").isPositive();
                assertThat(hats(first) + hats(second)).isEqualTo(200);

                first.close();
                produce(broker, 100);
                assertThat(second.awaitCaughtUp(Duration.ofSeconds(60))).as("second alone").isTrue();
                deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (hats(second) < 300 && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                assertThat(hats(second)).as("every task, its state restored from the changelogs").isEqualTo(300);
            } finally {
                first.close();
                if (second != null) {
                    second.close();
                }
            }
        }
    }

    @org.junit.jupiter.api.Test
    void shouldRefuseASecondInstanceWithTheSameStateDirectoryInOneProcess() {
        try (Broker broker = Broker.start(dir.resolve("data"))) {
            try (Admin admin = broker.admin()) {
                admin.createTopic(NewTopic.of("text", 2));
                admin.createTopic(NewTopic.of("word-counts", 2));
            }
            try (Job first = Job.start(ProcessorApiTest.wordCount(), broker, config("same"))) {
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> Job.start(ProcessorApiTest.wordCount(),
                        broker, config("same"))).hasMessageContaining("give each instance its own state.dir");
                assertThat(first.state()).isIn(Job.State.RESTORING, Job.State.RUNNING);
            }
        }
    }

    private JobConfig config(String instance) {
        return JobConfig.defaults().with(JobConfig.COMMIT_INTERVAL_MS, 100)
                .with(JobConfig.STATE_DIR, dir.resolve(instance).toString());
    }

    /** Lines with one "hat" each, keyed so that they spread over the partitions. */
    private void produce(Broker broker, int count) {
        try (Producer producer = broker.producer()) {
            for (int i = 0; i < count; i++) {
                producer.send(ProducerRecord.of("text", "line-" + lines++, "the cat in the hat"));
            }
            producer.flush();
        }
    }

    /** How many hats the instance's tasks have counted (the topology counts per input partition). */
    private static long hats(Job job) {
        ReadOnlyKeyValueStore<String, Long> counts = job.store("counts");
        return counts.all().stream().filter(kv -> kv.key().equals("hat")).mapToLong(KeyValue::value).sum();
    }
}
