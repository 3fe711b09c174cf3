package io.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.broker.Admin;
import io.sluice.broker.Broker;
import io.sluice.broker.NewTopic;
import io.sluice.broker.Producer;
import io.sluice.broker.ProducerRecord;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class JobTest {
    @TempDir
    Path dir;
    private Broker broker;

    @BeforeEach
    void start() {
        broker = Broker.start(dir);
        try (Admin admin = broker.admin()) {
            admin.createTopic(NewTopic.of("text", 4));
            admin.createTopic(NewTopic.of("word-counts", 4));
        }
    }

    @AfterEach
    void stop() {
        broker.close();
    }

    private void produce(int lines) {
        try (Producer producer = broker.producer()) {
            for (int i = 0; i < lines; i++) {
                producer.send(ProducerRecord.of("text", "key-" + (i % 8), "w" + (i % 5)));
            }
            producer.flush();
        }
    }

    private static void awaitCount(ReadOnlyKeyValueStore<String, Long> store, long total) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (store.all().stream().mapToLong(KeyValue::value).sum() < total) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("store holds " + store.all());
            }
            Thread.sleep(10);
        }
    }

    @Test
    void shouldSpreadTasksOverThreadsAndAnswerQueriesAcrossThem() throws Exception {
        produce(1_000);
        JobConfig config = JobConfig.defaults().with(JobConfig.NUM_STREAM_THREADS, 3);
        try (Job job = Job.start(ProcessorApiTest.wordCount(), broker, config)) {
            assertThat(job.awaitRunning(Duration.ofSeconds(10))).isTrue();
            ReadOnlyKeyValueStore<String, Long> counts = job.store("counts");
            awaitCount(counts, 1_000);
            assertThat(job.metrics()).containsKeys("records-processed{task=0_0}", "records-processed{task=0_3}");
        }
    }

    @Test
    void shouldForwardHeldBackUpdatesOnlyAtCommitWhenCaching() throws Exception {
        Topology latestPerKey = Topology.builder("cached")
                .source("lines", "text", Serdes.string(), Serdes.string())
                .processor("count", () -> new Processor<String, String>() {
                    private ProcessorContext context;
                    private KeyValueStore<String, Long> counts;
                    private final java.util.Map<String, Long> held = new java.util.LinkedHashMap<>();

                    @Override
                    public void init(ProcessorContext c) {
                        context = c;
                        counts = c.store("counts");
                        assertThat(c.cacheMaxRecords()).isEqualTo(100);
                    }

                    @Override
                    public void process(Record<String, String> r) {
                        Long n = counts.get(r.key());
                        counts.put(r.key(), n == null ? 1 : n + 1);
                        held.put(r.key(), r.timestamp());
                    }

                    @Override
                    public void flush() {
                        held.forEach((k, ts) -> context.forward(new Record<>(k, counts.get(k), ts)));
                        held.clear();
                    }
                }, "lines")
                .store(StoreSpec.keyValue("counts", Serdes.string(), Serdes.longs()), "count")
                .sink("out", "word-counts", Serdes.string(), Serdes.longs(), null, "count")
                .build();
        produce(1_000);
        JobConfig config = JobConfig.defaults().with(JobConfig.CACHE_MAX_RECORDS, 100)
                .with(JobConfig.COMMIT_INTERVAL_MS, 60_000);
        try (Job job = Job.start(latestPerKey, broker, config)) {
            assertThat(job.awaitRunning(Duration.ofSeconds(10))).isTrue();
            awaitCount(job.store("counts"), 1_000);
        }
        try (io.sluice.broker.Consumer consumer = broker.consumer()) {
            var parts = consumer.partitionsFor("word-counts");
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            long total = consumer.endOffsets(parts).values().stream().mapToLong(Long::longValue).sum();
            // one record per key, forwarded by the commit on close: 8 keys
            assertThat(total).isEqualTo(8);
        }
    }

    @Test
    void shouldResumeStreamTimeFromTheLastCommit() throws Exception {
        java.util.List<Long> seenAtInit = new java.util.concurrent.CopyOnWriteArrayList<>();
        Topology topology = Topology.builder("clock")
                .source("in", "text", Serdes.string(), Serdes.string())
                .processor("watch", () -> new Processor<String, String>() {
                    @Override
                    public void init(ProcessorContext context) {
                        if (context.taskId().partition() == 0) {
                            seenAtInit.add(context.streamTime());
                        }
                    }

                    @Override
                    public void process(Record<String, String> record) {
                    }
                }, "in")
                .build();
        try (Producer producer = broker.producer()) {
            producer.send(ProducerRecord.of("text", "k", "v").withPartition(0).withTimestamp(1_000_000)).join();
        }
        try (Job job = Job.start(topology, broker)) {
            assertThat(job.awaitCaughtUp(Duration.ofSeconds(20))).isTrue();
        }
        try (Job job = Job.start(topology, broker)) {
            assertThat(job.awaitRunning(Duration.ofSeconds(10))).isTrue();
        }
        assertThat(seenAtInit).containsExactly(Long.MIN_VALUE, 1_000_000L);
    }

    @Test
    void shouldRefuseASecondInstanceOfARunningJob() throws Exception {
        try (Job job = Job.start(ProcessorApiTest.wordCount(), broker)) {
            assertThatThrownBy(() -> Job.start(ProcessorApiTest.wordCount(), broker))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("application.id=word-count");
        }
        try (Job again = Job.start(ProcessorApiTest.wordCount(), broker)) {
            assertThat(again.awaitRunning(Duration.ofSeconds(10))).isTrue();
        }
    }

    @Test
    void shouldListEveryMissingTopicBeforeStarting() {
        Topology topology = Topology.builder("missing")
                .source("in", "nope-in", Serdes.string(), Serdes.string())
                .sink("out", "nope-out", Serdes.string(), Serdes.string(), null, "in")
                .build();
        assertThatThrownBy(() -> Job.start(topology, broker)).isInstanceOf(TopologyException.class)
                .hasMessageContaining("topic=nope-in").hasMessageContaining("topic=nope-out");
    }

    @Test
    void shouldRefuseToStartWhenAStoreWithStateWasRenamed() throws Exception {
        produce(10);
        try (Job job = Job.start(ProcessorApiTest.wordCount(), broker)) {
            awaitCount(job.store("counts"), 10);
        }
        Topology renamed = Topology.builder("word-count")
                .source("lines", "text", Serdes.string(), Serdes.string())
                .processor("count", ProcessorApiTest.WordCounter::new, "lines")
                .store(StoreSpec.keyValue("word-totals", Serdes.string(), Serdes.longs()), "count")
                .sink("out", "word-counts", Serdes.string(), Serdes.longs(), null, "count")
                .build();
        assertThatThrownBy(() -> Job.start(renamed, broker)).isInstanceOf(TopologyException.class)
                .hasMessageContaining("store=counts")
                .hasMessageContaining("word-count-counts-changelog");
        Topology reshaped = Topology.builder("word-count")
                .source("lines", "text", Serdes.string(), Serdes.string())
                .processor("count", ProcessorApiTest.WordCounter::new, "lines")
                .store(StoreSpec.keyValue("counts", Serdes.string(), Serdes.integers()), "count")
                .build();
        assertThatThrownBy(() -> Job.start(reshaped, broker)).isInstanceOf(TopologyException.class)
                .hasMessageContaining("Store changed shape: store=counts");
    }

    @Test
    void shouldStopTheJobOnAProcessingErrorAndKeepWhatWasCommitted() throws Exception {
        AtomicInteger seen = new AtomicInteger();
        Topology topology = Topology.builder("fragile")
                .source("in", "text", Serdes.string(), Serdes.string())
                .processor("maybe-fail", () -> (Processor<String, String>) r -> {
                    if (r.value().equals("poison")) {
                        throw new IllegalStateException("poison pill");
                    }
                    seen.incrementAndGet();
                }, "in")
                .build();
        produce(5);
        try (Producer producer = broker.producer()) {
            producer.send(ProducerRecord.of("text", "key-0", "poison")).join();
        }
        Job job = Job.start(topology, broker);
        assertThat(job.awaitStopped(Duration.ofSeconds(20))).isTrue();
        assertThat(job.state()).isEqualTo(Job.State.FAILED);
        assertThat(job.error()).isInstanceOf(ProcessingException.class).hasMessageContaining("operator=maybe-fail");
        job.close();
        assertThat(job.state()).isEqualTo(Job.State.FAILED);
    }

    @Test
    void shouldReplaceAFailedThreadWhenAsked() throws Exception {
        AtomicInteger failures = new AtomicInteger();
        AtomicInteger processed = new AtomicInteger();
        Topology topology = Topology.builder("flaky")
                .source("in", "text", Serdes.string(), Serdes.string())
                .processor("flaky", () -> (Processor<String, String>) r -> {
                    if (failures.get() == 0 && processed.get() == 3) {
                        failures.incrementAndGet();
                        throw new IllegalStateException("transient");
                    }
                    processed.incrementAndGet();
                }, "in")
                .build();
        produce(20);
        JobConfig config = JobConfig.defaults().with(JobConfig.UNCAUGHT_ERROR_POLICY, "replace-thread");
        try (Job job = Job.start(topology, broker, config)) {
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (processed.get() < 20 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            // at-least-once: the records processed before the failure and not committed come again
            assertThat(processed.get()).isGreaterThanOrEqualTo(20);
            assertThat(job.state()).isEqualTo(Job.State.RUNNING);
            assertThat(job.metrics()).containsEntry("replaced-threads{job=flaky}", 1L);
        }
    }
}
