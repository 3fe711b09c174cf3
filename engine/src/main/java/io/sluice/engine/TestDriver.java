package io.sluice.engine;

import io.sluice.broker.ConsumerRecord;
import io.sluice.broker.TopicPartition;
import io.sluice.engine.internal.state.LoggedStore;
import io.sluice.engine.internal.state.StoreViews;
import io.sluice.engine.internal.task.Metrics;
import io.sluice.engine.internal.task.Task;
import io.sluice.engine.internal.task.TaskSettings;
import io.sluice.engine.internal.testing.MemoryTopics;
import io.sluice.engine.internal.topology.NodeSpec;
import io.sluice.engine.internal.topology.SubTopology;
import io.sluice.engine.internal.topology.TopologyModel;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Runs a topology in-process and synchronously, for unit tests: no threads, no broker, explicit time. Each
 * {@code send} is processed to the end — through repartition topics into downstream tasks too — before it returns,
 * and every task then commits, so outputs, stores and changelogs are up to date.
 *
 * <p>Topics keep their partition counts (1 unless given) and records are partitioned as a producer would, so a
 * test sees the same tasks, repartitioning and co-partitioning as a job on the broker; the tasks are the runtime's
 * own task code. Not thread-safe.
 *
 * <pre>{@code
 * try (TestDriver driver = TestDriver.builder(topology).partitions("orders", 4).build()) {
 *     driver.input("orders").send("o-1", order, Instant.parse("2026-01-01T12:00:00Z"));
 *     assertThat(driver.output("totals").values()).containsExactly(42L);
 * }
 * }</pre>
 */
public final class TestDriver implements AutoCloseable {
    private final TopologyModel model;
    private final MemoryTopics topics;
    private final Map<TaskId, Task> tasks = new LinkedHashMap<>();
    private final Map<String, SubTopology> readers = new LinkedHashMap<>();
    private final Metrics metrics = new Metrics();
    private final java.util.Set<Task> touched = new java.util.LinkedHashSet<>();
    private final java.nio.file.Path stateDir;
    private long wallClockMs;
    private boolean closed;

    private TestDriver(Topology topology, Map<String, Integer> partitionCounts, Set<String> compacted, long startMs,
                       JobConfig config) {
        this.model = topology.model();
        this.wallClockMs = startMs;
        this.topics = new MemoryTopics(this::onAppend);
        try {
            this.stateDir = java.nio.file.Files.createTempDirectory("sluice-test-driver-");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("Cannot create a state directory for persistent stores", e);
        }
        Map<String, Integer> external = new LinkedHashMap<>();
        for (String topic : model.externalTopics()) {
            external.put(topic, partitionCounts.getOrDefault(topic, 1));
        }
        List<String> problems = new ArrayList<>();
        Map<String, Integer> counts = model.resolvePartitions(external, problems);
        if (!problems.isEmpty()) {
            throw new TopologyException("Cannot run topology " + model.applicationId(), problems);
        }
        counts.forEach(topics::create);
        String deadLetters = config.deadLetterTopic(model.applicationId());
        if ("dead-letter".equals(config.deserializationErrorPolicy()) && !topics.exists(deadLetters)) {
            topics.create(deadLetters, 1);
        }
        // As a job over the broker: a table over a compacted topic is restored from it and has no changelog.
        Set<String> fromSource = new java.util.TreeSet<>();
        model.stores().values().forEach(spec -> {
            if (spec.logged() && spec.sourceTopic() != null && compacted.contains(spec.sourceTopic())) {
                fromSource.add(spec.name());
            }
        });
        TaskSettings settings = new TaskSettings(model.applicationId(), config.deserializationErrorPolicy(),
                deadLetters, metrics, () -> wallClockMs, config.cacheMaxRecords(),
                stateDir, null, 0, fromSource);
        for (SubTopology sub : model.subTopologies()) {
            sub.sourceTopics().forEach(t -> readers.put(t, sub));
            for (String store : sub.stores()) {
                StoreSpec spec = model.stores().get(store);
                if (spec.logged() && !fromSource.contains(store)) {
                    topics.create(spec.changelogTopic(model.applicationId()), TopologyModel.taskCount(sub, counts));
                }
            }
            for (int p = 0; p < TopologyModel.taskCount(sub, counts); p++) {
                TaskId id = new TaskId(sub.id(), p);
                tasks.put(id, new Task(id, model, sub, topics, settings));
            }
        }
        tasks.values().forEach(Task::initialize);
    }

    /** A driver with every topic at one partition and the clock at the epoch. */
    public static TestDriver of(Topology topology) {
        return builder(topology).build();
    }

    public static Builder builder(Topology topology) {
        return new Builder(Objects.requireNonNull(topology, "topology"));
    }

    /** The input side of a topic the topology reads, with its source's serdes. */
    @SuppressWarnings("unchecked")
    public <K, V> TestInput<K, V> input(String topic) {
        NodeSpec.Source source = model.sourceOf(topic);
        if (source == null || model.repartitionTopics().containsKey(topic)) {
            throw new IllegalArgumentException("Not an input topic of " + model.applicationId() + ": topic=" + topic
                    + ", inputs=" + new Topology(model).sourceTopics());
        }
        return new TestInput<>(this, topic, (Serde<K>) source.keySerde(), (Serde<V>) source.valueSerde());
    }

    /** The records written to {@code topic}, read with the serdes of the topology's sink for it. */
    @SuppressWarnings("unchecked")
    public <K, V> TestOutput<K, V> output(String topic) {
        List<NodeSpec.Sink> sinks = model.sinksOf(topic);
        if (sinks.isEmpty()) {
            throw new IllegalArgumentException("The topology does not write topic " + topic
                    + "; pass serdes to read it: output(topic, keySerde, valueSerde)");
        }
        return output(topic, (Serde<K>) sinks.get(0).keySerde(), (Serde<V>) sinks.get(0).valueSerde());
    }

    /** The records of any topic (a changelog, the dead-letter topic …), read with the given serdes. */
    public <K, V> TestOutput<K, V> output(String topic, Serde<K> keySerde, Serde<V> valueSerde) {
        ensureOpen();
        topics.partitionCount(topic);
        return new TestOutput<>(() -> topics.records(topic), keySerde, valueSerde);
    }

    /** The raw records of a topic, in the order they were appended. */
    public List<ConsumerRecord> records(String topic) {
        return topics.records(topic);
    }

    /** Moves the wall clock on, running wall-clock punctuations that come due. */
    public void advanceTime(Duration duration) {
        ensureOpen();
        if (duration.isNegative()) {
            throw new IllegalArgumentException("Time cannot go back: " + duration);
        }
        wallClockMs += duration.toMillis();
        for (Task task : tasks.values()) {
            task.punctuateWallClock(wallClockMs);
        }
        touched.addAll(tasks.values());
        runUntilIdle();
    }

    /** The wall clock of the driver. */
    public Instant wallClock() {
        return Instant.ofEpochMilli(wallClockMs);
    }

    /**
     * A read-only view of a store across all tasks: {@link ReadOnlyKeyValueStore}, {@link ReadOnlyWindowStore} or
     * {@link ReadOnlySessionStore}, by the store's kind.
     */
    @SuppressWarnings("unchecked")
    public <S> S store(String name) {
        StoreSpec spec = model.stores().get(name);
        if (spec == null) {
            throw new IllegalArgumentException("Unknown store: store=" + name + ", stores=" + model.stores().keySet());
        }
        List<LoggedStore> instances = tasks.values().stream().map(t -> t.store(name)).filter(Objects::nonNull)
                .toList();
        return (S) StoreViews.view(spec, () -> instances);
    }

    /** Job metrics: processed, dropped, skipped and dead-lettered records, by task or operator. */
    public Map<String, Long> metrics() {
        return metrics.snapshot();
    }

    void send(String topic, int partition, byte[] key, byte[] value, long timestamp,
              List<io.sluice.broker.Header> headers) {
        ensureOpen();
        topics.send(topic, partition, key, value, timestamp < 0 ? wallClockMs : timestamp, headers);
        runUntilIdle();
    }

    long wallClockMs() {
        return wallClockMs;
    }

    private void onAppend(ConsumerRecord record) {
        SubTopology reader = readers.get(record.topic());
        if (reader != null) {
            tasks.get(new TaskId(reader.id(), record.partition()))
                    .add(new TopicPartition(record.topic(), record.partition()), List.of(record));
        }
    }

    private void runUntilIdle() {
        do {
            boolean busy = true;
            while (busy) {
                busy = false;
                for (Task task : tasks.values()) {
                    if (task.hasBuffered()) {
                        task.process(Integer.MAX_VALUE);
                        touched.add(task);
                        busy = true;
                    }
                }
            }
            // Commit what ran: flush held-back updates and changelogs, as a job does at each commit. What the
            // flush forwards through repartition topics is processed in the next round.
            List<Task> committing = new ArrayList<>(touched);
            touched.clear();
            for (Task task : committing) {
                task.prepareCommit();
            }
        } while (tasks.values().stream().anyMatch(Task::hasBuffered));
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("The test driver is closed");
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        RuntimeException first = null;
        for (Task task : tasks.values()) {
            try {
                task.close();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.walk(stateDir)) {
            for (java.nio.file.Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                java.nio.file.Files.deleteIfExists(p);
            }
        } catch (java.io.IOException e) {
            // a leftover of a store that failed to close; the temporary directory is the OS's to clean
        }
        if (first != null) {
            throw first;
        }
    }

    /** Partition counts, start time and job config of a driver. */
    public static final class Builder {
        private final Topology topology;
        private final Map<String, Integer> partitions = new LinkedHashMap<>();
        private final Set<String> compacted = new java.util.HashSet<>();
        private long startMs;
        private JobConfig config = JobConfig.defaults();

        private Builder(Topology topology) {
            this.topology = topology;
        }

        /** Gives {@code topic} (read or written by the topology) {@code count} partitions; default 1. */
        public Builder partitions(String topic, int count) {
            if (count < 1) {
                throw new IllegalArgumentException("Invalid partition count: topic=" + topic + ", count=" + count);
            }
            partitions.put(topic, count);
            return this;
        }

        /**
         * Declares {@code topic} compacted, as a table's topic usually is: a table read from it then has no changelog
         * topic of its own, as on a broker (see {@link StoreSpec#restorableFrom}).
         */
        public Builder compacted(String topic) {
            compacted.add(Objects.requireNonNull(topic, "topic"));
            return this;
        }

        /** Starts the wall clock at {@code start}; default the epoch. Records sent without a time get the clock. */
        public Builder startTime(Instant start) {
            this.startMs = start.toEpochMilli();
            return this;
        }

        public Builder config(JobConfig jobConfig) {
            this.config = Objects.requireNonNull(jobConfig, "config");
            return this;
        }

        public TestDriver build() {
            return new TestDriver(topology, partitions, Set.copyOf(compacted), startMs, config);
        }
    }
}
