package io.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.broker.Admin;
import io.sluice.broker.Broker;
import io.sluice.broker.BrokerConfig;
import io.sluice.broker.NewTopic;
import io.sluice.broker.Producer;
import io.sluice.broker.ProducerRecord;
import io.sluice.broker.RemoteCluster;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A job whose clients talk to the broker over the Kafka protocol, as it would to any Kafka-compatible cluster. */
@Timeout(90)
class JobOverNetworkTest {
    @TempDir
    Path dir;

    @Test
    void shouldRunAStatefulJobAgainstABrokerReachedOverTcp() throws Exception {
        try (Broker broker = Broker.start(BrokerConfig.builder(dir.resolve("data"))
                .set(BrokerConfig.LISTENERS, "PLAINTEXT://127.0.0.1:0").build())) {
            try (Admin admin = broker.admin()) {
                admin.createTopic(NewTopic.of("text", 2));
                admin.createTopic(NewTopic.of("word-counts", 2));
            }
            try (Producer producer = broker.producer()) {
                for (int i = 0; i < 200; i++) {
                    producer.send(ProducerRecord.of("text", "line-" + i, "the cat and the hat"));
                }
                producer.flush();
            }
            JobConfig config = JobConfig.defaults().with(JobConfig.COMMIT_INTERVAL_MS, 100)
                    .with(JobConfig.STATE_DIR, dir.resolve("state").toString());
            try (RemoteCluster cluster = RemoteCluster.connect(broker.bootstrapServers().orElseThrow());
                 Job job = Job.start(ProcessorApiTest.wordCount(), cluster, config)) {
                assertThat(job.awaitRunning(Duration.ofSeconds(30))).isTrue();
                assertThat(job.awaitCaughtUp(Duration.ofSeconds(60))).as("state " + job.state() + " " + job.error())
                        .isTrue();
                // This topology counts per input partition (no repartition): each task has its own "the".
                ReadOnlyKeyValueStore<String, Long> counts = job.store("counts");
                assertThat(counts.all().stream().filter(kv -> kv.key().equals("the")).mapToLong(KeyValue::value)
                        .sum()).isEqualTo(400L);
                assertThat(counts.all().stream().filter(kv -> kv.key().equals("hat")).mapToLong(KeyValue::value)
                        .sum()).isEqualTo(200L);
            }
            // The changelog and the committed offsets went over the network to the broker too.
            try (Admin admin = broker.admin()) {
                assertThat(admin.listTopics()).contains("word-count-counts-changelog");
                assertThat(admin.listGroupOffsets("word-count").values().stream()
                        .mapToLong(io.sluice.broker.OffsetAndMetadata::offset).sum()).isEqualTo(200);
            }
        }
    }
}
