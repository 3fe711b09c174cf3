package io.sluice.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A broker whose disk fills up, for real (a small tmpfs, so root is needed): writes to the full partition fail with
 * a storage error while everything else goes on, and once there is room again they succeed without a restart; every
 * acknowledged record is read back exactly once, in order, and nothing that failed is.
 */
@Timeout(180)
class DiskFullIT {
    private static final TopicPartition FULL = new TopicPartition("full", 0);
    private static final TopicPartition OTHER = new TopicPartition("other", 0);
    private static final String VALUE = "x".repeat(1_000);
    /** Bounds that only a broken broker reaches, not a slow machine. */
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    void shouldRefuseWritesWhileThePartitionsDiskIsFullAndTakeThemAgainOnceThereIsRoom() throws Exception {
        Path data = dir.resolve("data");
        // Only the partition "full-0" lives on the small file system; the rest of the data directory does not.
        try (Tmpfs tmpfs = Tmpfs.mount(data.resolve("full-0"), "2m")) {
            List<String> acked = new ArrayList<>();
            try (Broker broker = Broker.start(data); Admin admin = broker.admin();
                 Producer producer = broker.producer()) {
                admin.createTopic(NewTopic.of("full", 1));
                admin.createTopic(NewTopic.of("other", 1));
                Throwable failure = fill(producer, acked);
                assertThat(failure).isInstanceOf(StorageException.class).hasMessageContaining("partition=full-0");
                assertThat(acked).hasSizeGreaterThan(100);

                // Refused at once while full, without touching the disk: no restart, no retry by hand.
                for (int i = 0; i < 3; i++) {
                    assertThatThrownBy(() -> producer.send(ProducerRecord.of("full", "refused", VALUE)).join())
                            .isInstanceOf(CompletionException.class).cause().isInstanceOf(StorageException.class)
                            .hasMessageContaining("partition=full-0");
                }
                assertThat(metric(broker, "partitions-storage-failed", Map.of())).isEqualTo(1);
                assertThat(metric(broker, "records-refused-storage", tags(FULL))).isGreaterThanOrEqualTo(4);
                // Everything else goes on: another partition takes writes, metadata and reads are served.
                assertThat(producer.send(ProducerRecord.of("other", "k", "v")).join().offset()).isZero();
                assertThat(admin.describeTopic("full").partitions()).hasSize(1);
                assertThat(values(broker, FULL, acked.size())).containsExactlyElementsOf(acked);

                tmpfs.resize("8m");
                String first = "after-room-0";
                sendUntilAccepted(producer, first);
                acked.add(first);
                for (int i = 1; i < 100; i++) {
                    String value = "after-room-" + i;
                    producer.send(ProducerRecord.of("full", "k", value)).join();
                    acked.add(value);
                }
                assertThat(metric(broker, "partitions-storage-failed", Map.of())).isZero();
                assertThat(values(broker, FULL, acked.size())).containsExactlyElementsOf(acked);
            }
            // The log on disk holds exactly that: a restart reads the same.
            try (Broker broker = Broker.start(data)) {
                assertThat(values(broker, FULL, acked.size())).containsExactlyElementsOf(acked);
                assertThat(values(broker, OTHER, 1)).containsExactly("v");
            }
        }
    }

    @Test
    void shouldGiveKafkasProducerARetriableStorageErrorWhileTheDiskIsFullAndStoreItsRecordsOnceThereIsRoom()
            throws Exception {
        // The whole data directory on the small file system: the partition, the metadata, the offsets topic.
        try (Tmpfs tmpfs = Tmpfs.mount(dir.resolve("data"), "2m")) {
            List<String> acked = new ArrayList<>();
            try (Broker broker = Broker.start(BrokerConfig.builder(tmpfs.dir())
                    .set(BrokerConfig.LISTENERS, "PLAINTEXT://127.0.0.1:0").build())) {
                try (Admin admin = broker.admin()) {
                    admin.createTopic(NewTopic.of("full", 1));
                }
                String bootstrap = broker.bootstrapServers().orElseThrow();
                try (KafkaProducer<String, String> once = kafkaProducer(bootstrap, false);
                     KafkaProducer<String, String> retrying = kafkaProducer(bootstrap, true)) {
                    // The idempotent producer gets its id while there is room to record the ids handed out.
                    retrying.send(record("warm-up")).get(30, TimeUnit.SECONDS);
                    acked.add("warm-up");
                    ExecutionException full = fillOverTheNetwork(once, acked);
                    assertThat(full.getCause()).isInstanceOf(KafkaStorageException.class)
                            .isInstanceOf(RetriableException.class);
                    try (AdminClient kafkaAdmin = kafkaAdmin(bootstrap)) {
                        assertThat(kafkaAdmin.describeTopics(List.of("full")).allTopicNames()
                                .get(30, TimeUnit.SECONDS).get("full").partitions()).hasSize(1);
                    }

                    List<Future<org.apache.kafka.clients.producer.RecordMetadata>> waiting = new ArrayList<>();
                    // Larger than the record that found the disk full: a small one could still fit in the free
                    // end of a page the log file already has, where a full file system has room left.
                    for (int i = 0; i < 20; i++) {
                        waiting.add(retrying.send(record("retried-" + i + ":" + VALUE + VALUE)));
                    }
                    // While the disk is full its sends can only be retried, never stored.
                    Thread.sleep(1_000);
                    assertThat(waiting).noneMatch(Future::isDone);

                    tmpfs.resize("8m");
                    for (int i = 0; i < waiting.size(); i++) {
                        assertThat(waiting.get(i).get(PATIENCE.toSeconds(), TimeUnit.SECONDS).offset())
                                .isGreaterThanOrEqualTo(acked.size());
                        acked.add("retried-" + i + ":" + VALUE + VALUE);
                    }
                }
                assertThat(values(broker, FULL, acked.size())).containsExactlyElementsOf(acked);
            }
        }
    }

    /** Sends records until one fails; returns the failure. */
    private static Throwable fill(Producer producer, List<String> acked) {
        for (int i = 0; i < 100_000; i++) {
            String value = i + ":" + VALUE;
            try {
                producer.send(ProducerRecord.of("full", "k", value)).join();
                acked.add(value);
            } catch (CompletionException e) {
                return e.getCause();
            }
        }
        throw new AssertionError("The disk never filled");
    }

    private static ExecutionException fillOverTheNetwork(KafkaProducer<String, String> producer, List<String> acked)
            throws Exception {
        for (int i = 0; i < 100_000; i++) {
            String value = i + ":" + VALUE;
            try {
                producer.send(record(value)).get(30, TimeUnit.SECONDS);
                acked.add(value);
            } catch (ExecutionException e) {
                return e;
            }
        }
        throw new AssertionError("The disk never filled");
    }

    /** Sends until the partition takes the record again: it retries on its own, after a backoff of at most 10 s. */
    private static void sendUntilAccepted(Producer producer, String value) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (true) {
            try {
                producer.send(ProducerRecord.of("full", "k", value)).join();
                return;
            } catch (CompletionException e) {
                assertThat(e.getCause()).isInstanceOf(StorageException.class);
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("Still refused " + PATIENCE + " after room was made", e.getCause());
                }
                Thread.sleep(50);
            }
        }
    }

    private static List<String> values(Broker broker, TopicPartition partition, int expected) {
        try (Consumer consumer = broker.consumer()) {
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            List<String> values = new ArrayList<>();
            long deadline = System.nanoTime() + PATIENCE.toNanos();
            long end = consumer.endOffsets(List.of(partition)).get(partition);
            while (consumer.position(partition) < end && System.nanoTime() < deadline) {
                for (ConsumerRecord r : consumer.poll(Duration.ofMillis(100))) {
                    values.add(r.valueAsString());
                }
            }
            assertThat(values).hasSize(expected);
            return values;
        }
    }

    private static double metric(Broker broker, String name, Map<String, String> tags) {
        return broker.metrics().stream().filter(m -> m.name().equals(name) && m.tags().equals(tags)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + name + tags)).value();
    }

    private static Map<String, String> tags(TopicPartition tp) {
        return Map.of("topic", tp.topic(), "partition", Integer.toString(tp.partition()));
    }

    private static org.apache.kafka.clients.producer.ProducerRecord<String, String> record(String value) {
        return new org.apache.kafka.clients.producer.ProducerRecord<>("full", 0, "k", value);
    }

    private static KafkaProducer<String, String> kafkaProducer(String bootstrap, boolean retrying) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("acks", "all");
        p.put("linger.ms", "0");
        p.put("request.timeout.ms", "10000");
        if (retrying) {
            p.put("delivery.timeout.ms", "120000");
            p.put("retry.backoff.ms", "50");
        } else {
            p.put("enable.idempotence", "false");
            p.put("retries", "0");
            p.put("delivery.timeout.ms", "30000");
        }
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    private static AdminClient kafkaAdmin(String bootstrap) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        return AdminClient.create(p);
    }
}
