package io.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.broker.Admin;
import io.sluice.broker.Broker;
import io.sluice.broker.Consumer;
import io.sluice.broker.ConsumerRecord;
import io.sluice.broker.NewTopic;
import io.sluice.broker.Producer;
import io.sluice.broker.ProducerRecord;
import io.sluice.broker.TopicPartition;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class ProcessorApiTest {
    @TempDir
    Path dir;

    /** Counts words per line key; emits the running count of each word. */
    static final class WordCounter implements Processor<String, String> {
        private ProcessorContext context;
        private KeyValueStore<String, Long> counts;

        @Override
        public void init(ProcessorContext context) {
            this.context = context;
            this.counts = context.store("counts");
        }

        @Override
        public void process(Record<String, String> record) {
            for (String word : record.value().toLowerCase().split("\\W+")) {
                if (word.isEmpty()) {
                    continue;
                }
                Long old = counts.get(word);
                long now = old == null ? 1 : old + 1;
                counts.put(word, now);
                context.forward(record.with(word, now));
            }
        }
    }

    static Topology wordCount() {
        return Topology.builder("word-count")
                .source("lines", "text", Serdes.string(), Serdes.string())
                .processor("count", WordCounter::new, "lines")
                .store(StoreSpec.keyValue("counts", Serdes.string(), Serdes.longs()), "count")
                .sink("out", "word-counts", Serdes.string(), Serdes.longs(), null, "count")
                .build();
    }

    @Test
    void shouldCountWordsInTheTestDriver() {
        try (TestDriver driver = TestDriver.of(wordCount())) {
            driver.input("text").send("a", "the cat and the hat", 1000L);
            driver.input("text").send("b", "The end", 2000L);
            TestOutput<String, Long> out = driver.output("word-counts");
            assertThat(out.latest()).containsEntry("the", 3L).containsEntry("cat", 1L).containsEntry("end", 1L);
            ReadOnlyKeyValueStore<String, Long> store = driver.store("counts");
            assertThat(store.get("the")).isEqualTo(3L);
            assertThat(driver.records("word-count-counts-changelog")).isNotEmpty();
            assertThat(out.records()).allSatisfy(r -> assertThat(r.timestamp()).isIn(1000L, 2000L));
        }
    }

    @Test
    void shouldReportEveryTopologyProblemAtOnce() {
        assertThatThrownBy(() -> Topology.builder("bad id!")
                .source("s", "in", Serdes.string(), Serdes.string())
                .processor("p", WordCounter::new, "missing")
                .sink("s", "out", Serdes.string(), Serdes.string(), null, "p")
                .store(StoreSpec.keyValue("st", Serdes.string(), Serdes.longs()), "nobody")
                .build())
                .isInstanceOf(TopologyException.class)
                .satisfies(e -> assertThat(((TopologyException) e).problems()).hasSize(4))
                .hasMessageContaining("application.id")
                .hasMessageContaining("parent=missing")
                .hasMessageContaining("Node name used twice: name=s")
                .hasMessageContaining("node=nobody");
    }

    @Test
    void shouldNameTheOperatorTopicPartitionAndOffsetOfAFailure() {
        Topology topology = Topology.builder("failing")
                .source("in", "text", Serdes.string(), Serdes.string())
                .processor("explode", () -> (Processor<String, String>) r -> {
                    throw new IllegalStateException("boom");
                }, "in")
                .build();
        try (TestDriver driver = TestDriver.of(topology)) {
            assertThatThrownBy(() -> driver.input("text").send("k", "v"))
                    .isInstanceOf(ProcessingException.class)
                    .hasMessageContaining("operator=explode")
                    .hasMessageContaining("topic=text, partition=0, offset=0")
                    .hasRootCauseMessage("boom");
        }
    }

    @Test
    @Timeout(60)
    void shouldRunOnTheBrokerAndRestoreStoresAfterRestart() throws Exception {
        try (Broker broker = Broker.start(dir)) {
            try (Admin admin = broker.admin()) {
                admin.createTopic(NewTopic.of("text", 2));
                admin.createTopic(NewTopic.of("word-counts", 2));
            }
            produce(broker, "x", "one two two");
            runUntil(broker, 3);
            produce(broker, "x", "two three");
            Map<String, Long> latest = runUntil(broker, 5);
            assertThat(latest).containsEntry("one", 1L).containsEntry("two", 3L).containsEntry("three", 1L);
        }
    }

    private static void produce(Broker broker, String key, String line) {
        try (Producer producer = broker.producer()) {
            producer.send(ProducerRecord.of("text", key, line)).join();
        }
    }

    private static Map<String, Long> runUntil(Broker broker, int outputs) throws InterruptedException {
        try (Job job = Job.start(wordCount(), broker, JobConfig.defaults().with(JobConfig.COMMIT_INTERVAL_MS, 50))) {
            assertThat(job.awaitRunning(Duration.ofSeconds(10))).isTrue();
            Map<String, Long> latest = new HashMap<>();
            List<ConsumerRecord> all = new ArrayList<>();
            try (Consumer consumer = broker.consumer()) {
                List<TopicPartition> parts = consumer.partitionsFor("word-counts");
                consumer.assign(parts);
                consumer.seekToBeginning(parts);
                while (all.size() < outputs) {
                    all.addAll(consumer.poll(Duration.ofMillis(100)));
                }
            }
            for (ConsumerRecord r : all) {
                latest.put(r.keyAsString(), Serdes.longs().deserialize(r.value()));
            }
            assertThat(new String(all.get(0).key(), StandardCharsets.UTF_8)).isNotEmpty();
            return latest;
        }
    }
}
