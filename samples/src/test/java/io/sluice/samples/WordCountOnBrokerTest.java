package io.sluice.samples;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.broker.Admin;
import io.sluice.broker.Broker;
import io.sluice.broker.Consumer;
import io.sluice.broker.ConsumerRecord;
import io.sluice.broker.NewTopic;
import io.sluice.broker.Producer;
import io.sluice.broker.ProducerRecord;
import io.sluice.broker.TopicPartition;
import io.sluice.engine.Job;
import io.sluice.engine.JobConfig;
import io.sluice.engine.ReadOnlyKeyValueStore;
import io.sluice.engine.Serdes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Word count on the embedded broker: words spread over partitions meet in one task through the repartition topic. */
@Timeout(60)
class WordCountOnBrokerTest {
    @TempDir
    Path dir;

    @Test
    void shouldCountEveryWordOnceAcrossPartitionsAndThreads() throws Exception {
        Map<String, Long> expected = new HashMap<>();
        try (Broker broker = startWithTopics()) {
            JobConfig config = JobConfig.defaults().with(JobConfig.NUM_STREAM_THREADS, 2)
                    .with(JobConfig.COMMIT_INTERVAL_MS, 50);
            try (Job job = Job.start(WordCount.topology(), broker, config)) {
                produceLines(broker, expected);
                assertThat(job.awaitCaughtUp(Duration.ofSeconds(30))).isTrue();
                assertCounts(job, expected);
            }
            // The output topic's last update per word is the final count, and each word lives on one partition.
            Map<String, Long> latest = new HashMap<>();
            Map<String, Integer> partitionOf = new HashMap<>();
            try (Consumer consumer = broker.consumer()) {
                List<TopicPartition> parts = consumer.partitionsFor(WordCount.OUTPUT_TOPIC);
                consumer.assign(parts);
                consumer.seekToBeginning(parts);
                long total = consumer.endOffsets(parts).values().stream().mapToLong(Long::longValue).sum();
                for (long read = 0; read < total; ) {
                    for (ConsumerRecord r : consumer.poll(Duration.ofMillis(100))) {
                        latest.put(r.keyAsString(), Serdes.longs().deserialize(r.value()));
                        Integer before = partitionOf.put(r.keyAsString(), r.partition());
                        assertThat(before == null || before == r.partition()).isTrue();
                        read++;
                    }
                }
                assertThat(total).isEqualTo(10_000);
            }
            assertThat(latest).isEqualTo(expected);
        }
    }

    /**
     * With the record cache on, words are counted ahead of the repartition topic and cross it once per word and
     * flush; what is held moves on as soon as the input runs dry — here long before the first commit — and the
     * job does not call its input processed while anything is held.
     */
    @Test
    void shouldCountAheadOfTheRepartitionTopicAndFlushWhenTheInputRunsDry() throws Exception {
        Map<String, Long> expected = new HashMap<>();
        try (Broker broker = startWithTopics()) {
            JobConfig config = JobConfig.defaults().with(JobConfig.CACHE_MAX_RECORDS, 1_000)
                    .with(JobConfig.COMMIT_INTERVAL_MS, 600_000);
            // All input first: lines arriving while the job runs would let it run dry, and flush, at any moment.
            produceLines(broker, expected);
            try (Job job = Job.start(WordCount.topology(), broker, config)) {
                assertThat(job.awaitProcessed(Duration.ofSeconds(30))).isTrue();
                assertCounts(job, expected);
                try (Consumer consumer = broker.consumer()) {
                    String repartition = WordCount.APPLICATION_ID + "-" + WordCount.STORE + "-repartition";
                    long crossed = consumer.endOffsets(consumer.partitionsFor(repartition)).values().stream()
                            .mapToLong(Long::longValue).sum();
                    assertThat(crossed).isLessThan(10_000 / 4);
                }
            }
        }
    }

    /** A broker with the word count's input (3 partitions) and output (5) topics. */
    private Broker startWithTopics() {
        Broker broker = Broker.start(dir);
        try (Admin admin = broker.admin()) {
            admin.createTopic(NewTopic.of(WordCount.INPUT_TOPIC, 3));
            admin.createTopic(NewTopic.of(WordCount.OUTPUT_TOPIC, 5));
        }
        return broker;
    }

    /** Sends 2,000 lines of 5 words out of 50 and adds them to {@code expected}. */
    private static void produceLines(Broker broker, Map<String, Long> expected) {
        Random random = new Random(11);
        try (Producer producer = broker.producer()) {
            for (int i = 0; i < 2_000; i++) {
                StringBuilder line = new StringBuilder();
                for (int w = 0; w < 5; w++) {
                    String word = "w" + random.nextInt(50);
                    expected.merge(word, 1L, Long::sum);
                    line.append(word).append(' ');
                }
                producer.send(ProducerRecord.of(WordCount.INPUT_TOPIC, "doc-" + i, line.toString()));
            }
            producer.flush();
        }
    }

    private static void assertCounts(Job job, Map<String, Long> expected) {
        ReadOnlyKeyValueStore<String, Long> counts = job.store(WordCount.STORE);
        assertThat(counts.size()).isEqualTo(expected.size());
        expected.forEach((word, n) -> assertThat(counts.get(word)).as(word).isEqualTo(n));
    }
}
