package io.sluice.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Broker.metrics(): traffic and extent per partition, committed offsets and lag per group. */
@Timeout(30)
class BrokerMetricsTest {
    @TempDir
    Path dir;

    private static double value(List<Metric> metrics, String name, Map<String, String> tags) {
        return metrics.stream().filter(m -> m.name().equals(name) && m.tags().equals(tags)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + name + tags + " in " + metrics)).value();
    }

    @Test
    void shouldCountRecordsAndBytesInAndOutAndTheGroupsLag() throws Exception {
        try (Broker broker = Broker.start(dir)) {
            try (Admin admin = broker.admin()) {
                admin.createTopic(NewTopic.of("events", 1));
            }
            try (Producer producer = broker.producer()) {
                for (int i = 0; i < 10; i++) {
                    producer.send(ProducerRecord.of("events", "k" + i, "value-" + i));
                }
                producer.flush();
            }
            Map<String, String> p0 = Map.of("topic", "events", "partition", "0");
            List<Metric> before = broker.metrics();
            assertThat(value(before, "records-in", p0)).isEqualTo(10);
            assertThat(value(before, "bytes-in", p0)).isGreaterThan(10 * 8);
            assertThat(value(before, "records-out", p0)).isZero();
            assertThat(value(before, "log-end-offset", p0)).isEqualTo(10);
            assertThat(value(before, "log-size-bytes", p0)).isEqualTo(value(before, "bytes-in", p0));
            assertThat(value(before, "records-refused-storage", p0)).isZero();
            assertThat(value(before, "partitions-storage-failed", Map.of())).isZero();

            try (Consumer consumer = broker.consumer(ConsumerConfig.builder().groupId("readers")
                    .enableAutoCommit(false).build())) {
                TopicPartition tp = new TopicPartition("events", 0);
                consumer.assign(List.of(tp));
                consumer.seekToBeginning(List.of(tp));
                List<ConsumerRecord> read = new ArrayList<>();
                while (read.size() < 10) {
                    read.addAll(consumer.poll(Duration.ofMillis(100)));
                }
                consumer.commitSync(Map.of(tp, OffsetAndMetadata.of(7)));
            }
            List<Metric> after = broker.metrics();
            assertThat(value(after, "records-out", p0)).isEqualTo(10);
            assertThat(value(after, "bytes-out", p0)).isGreaterThanOrEqualTo(value(after, "bytes-in", p0));
            Map<String, String> group = Map.of("group", "readers", "topic", "events", "partition", "0");
            assertThat(value(after, "group-committed-offset", group)).isEqualTo(7);
            assertThat(value(after, "group-lag", group)).isEqualTo(3);
            assertThat(after).filteredOn(m -> m.name().equals("records-in"))
                    .allSatisfy(m -> assertThat(m.type()).isEqualTo(Metric.Type.COUNTER));
        }
    }
}
