package io.sluice.runner.perf;

import io.sluice.broker.Admin;
import io.sluice.broker.Broker;
import io.sluice.broker.Consumer;
import io.sluice.broker.ConsumerRecord;
import io.sluice.broker.Header;
import io.sluice.broker.NewTopic;
import io.sluice.broker.Producer;
import io.sluice.broker.ProducerRecord;
import io.sluice.broker.TopicPartition;
import io.sluice.engine.Job;
import io.sluice.engine.JobConfig;
import io.sluice.engine.TestDriver;
import io.sluice.engine.TestInput;
import io.sluice.engine.Topology;
import io.sluice.runner.internal.DataDirectory;
import io.sluice.runner.internal.LatencyReport;
import io.sluice.runner.internal.ProfileReport;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code sluice perf job}: a stream job's throughput and end-to-end latency. Throughput: the input is produced
 * first, then the job starts and the clock runs until it has processed and committed everything (input records/s,
 * as Kafka's StreamsBench measures), in a cold JVM by default; with {@code --warmup-records} the same pass runs
 * first, unmeasured, on a broker of its own, so that the measured pass runs compiled code as a long-running job
 * does (a 2-second run of a cold JVM spends a third of the machine compiling). Latency ({@code --rate}): the job
 * runs while input arrives at a fixed rate; each record carries its intended send time, and the time until its
 * results are readable in the output topic goes into an HdrHistogram (coordinated omission corrected).
 * {@code --driver} runs the topology in the test driver.
 */
@Command(name = "job", mixinStandardHelpOptions = true,
        description = "Stream job throughput and end-to-end latency: wordcount, windowed, join or table.")
final class JobPerf implements Callable<Integer> {
    private static final String SENT_HEADER = "perf-sent-nanos";

    @Spec
    CommandSpec spec;

    @Mixin
    BrokerOptions broker;

    @Option(names = "--workload", defaultValue = "wordcount",
            description = "wordcount, windowed, join, or table (a table of N distinct keys) (${DEFAULT-VALUE}).")
    String workload;

    @Option(names = "--records", paramLabel = "N", defaultValue = "0",
            description = "Input records; default: 1,000,000 lines for wordcount, 2,000,000 otherwise.")
    long records;

    @Option(names = "--partitions", paramLabel = "P", defaultValue = "6",
            description = "Partitions of every topic (${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--warmup-records", paramLabel = "N", defaultValue = "0",
            description = "Throughput: input records of a first, unmeasured pass of the same workload on a broker "
                    + "of its own in this JVM, so that the measured pass runs compiled code as a long-running job "
                    + "does (${DEFAULT-VALUE}: none, a cold JVM as Kafka's StreamsBench runs).")
    long warmupRecords;

    @Option(names = "--stream-threads", paramLabel = "T", defaultValue = "1",
            description = "num.stream.threads (${DEFAULT-VALUE}).")
    int streamThreads;

    @Option(names = "--commit-interval-ms", paramLabel = "MS", defaultValue = "1000",
            description = "commit.interval.ms (${DEFAULT-VALUE}).")
    long commitIntervalMs;

    @Option(names = "--cache-max-records", paramLabel = "N", defaultValue = "0",
            description = "statestore.cache.max.records: updates held back per task until commit (${DEFAULT-VALUE}).")
    long cacheMaxRecords;

    @Option(names = "--restore", description = "Then restart the job and time restoring its stores.")
    boolean restore;

    @Option(names = "--driver", description = "Run in the test driver instead of on the embedded broker.")
    boolean driver;

    @Option(names = "--rate", paramLabel = "RECORDS/S", defaultValue = "0",
            description = "Measure latency at this input rate instead of throughput.")
    long rate;

    @Option(names = "--duration-s", paramLabel = "S", defaultValue = "20",
            description = "With --rate: seconds measured, after 5 s of warm-up (${DEFAULT-VALUE}).")
    int durationSeconds;

    @Option(names = "--histogram", paramLabel = "FILE", description = "With --rate: write the distribution (.hgrm).")
    Path histogramFile;

    @Option(names = "--profile", paramLabel = "DIR",
            description = "Profile latency per operator and end to end (one record in --profile-sample): tables, "
                    + ".hgrm files, interval log and latency.svg in DIR.")
    Path profileDir;

    @Option(names = "--profile-sample", paramLabel = "N", defaultValue = "16",
            description = "With --profile: one input record in N is timed (${DEFAULT-VALUE}).")
    int profileSample;

    @Override
    public Integer call() throws Exception {
        JobWorkload w;
        try {
            w = JobWorkload.valueOf(workload.toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw PerfCommand.usage(spec, "--workload must be wordcount, windowed, join or table: " + workload);
        }
        long n = records > 0 ? records : w.defaultRecords();
        if (partitions < 1 || streamThreads < 1 || rate < 0 || durationSeconds < 1 || warmupRecords < 0) {
            throw PerfCommand.usage(spec, "partitions, stream threads and duration must be positive, warm-up records "
                    + "not negative");
        }
        long warmup = warmupRecords;
        if (driver) {
            if (warmup > 0) {
                runDriver(w, warmup, false);
            }
            return runDriver(w, n, true);
        }
        JobConfig config = JobConfig.defaults().with(JobConfig.NUM_STREAM_THREADS, streamThreads)
                .with(JobConfig.COMMIT_INTERVAL_MS, commitIntervalMs)
                .with(JobConfig.CACHE_MAX_RECORDS, cacheMaxRecords);
        if (rate == 0 && warmup > 0) {
            // The same work on a throw-away broker: the measured broker starts empty, as without a warm-up.
            long start = System.nanoTime();
            try (DataDirectory dir = DataDirectory.of(null, "perf-job-warmup");
                 Broker b = Broker.start(broker.config(dir.path()))) {
                createTopics(b, w);
                loadTables(b, w);
                JobConfig warmupConfig = config.with(JobConfig.STATE_DIR, dir.path().resolve("state").toString());
                if (runThroughput(b, w, warmupConfig, warmup, false) != 0) {
                    return 1;
                }
            }
            System.out.printf("  warm-up         %,d records through the same job in %.2f s (not measured)%n", warmup,
                    (System.nanoTime() - start) / 1e9);
        }
        try (DataDirectory dir = DataDirectory.of(broker.dataDir, "perf-job");
             Broker b = Broker.start(broker.config(dir.path()))) {
            createTopics(b, w);
            loadTables(b, w);
            config = config.with(JobConfig.PROFILE_SAMPLE_ONE_IN, profileDir == null ? 0 : profileSample);
            return rate > 0 ? runLatency(b, w, config) : runThroughput(b, w, config, n, true);
        }
    }

    /** The report of {@code --profile}, or null without it. */
    private ProfileReport profileReport(Job job) {
        return profileDir == null ? null : new ProfileReport(job.latencyProfile().orElseThrow(), profileDir,
                new java.io.PrintWriter(System.out, true));
    }

    private void createTopics(Broker b, JobWorkload w) {
        try (Admin admin = b.admin()) {
            for (String topic : List.of(w.inputTopic, w.outputTopic)) {
                // Kept for ever: the throughput input is dated 2001, which a retention check would delete.
                admin.createTopic(NewTopic.of(topic, partitions).withConfig("retention.ms", "-1"));
            }
            for (String table : w.tables()) {
                // A table's topic, compacted as such topics are: the job restores the table from it.
                admin.createTopic(NewTopic.of(table, partitions).withConfig("cleanup.policy", "compact"));
            }
        }
    }

    private static List<String> concat(List<String> a, List<String> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
    }

    private static void loadTables(Broker b, JobWorkload w) {
        try (Producer producer = b.producer()) {
            for (String table : w.tables()) {
                for (int i = 0; i < w.tableSize(); i++) {
                    producer.send(w.tableRecord(table, i));
                }
            }
            producer.flush();
        }
    }

    /** One throughput pass; {@code report} false for the warm-up, which prints only a failure. */
    private int runThroughput(Broker b, JobWorkload w, JobConfig config, long n, boolean report) throws Exception {
        long t0 = System.nanoTime();
        Random random = new Random(7);
        try (Producer producer = b.producer()) {
            for (long i = 0; i < n; i++) {
                producer.send(w.record(i, random, 1_000_000_000_000L + i));
            }
            producer.flush();
        }
        if (!report) {
            try (Job job = Job.start(w.topology(), b, config)) {
                if (!job.awaitProcessed(Duration.ofMinutes(10))) {
                    System.out.println("FAILED: warm-up job " + job.state() + " " + job.error());
                    return 1;
                }
                job.awaitCaughtUp(Duration.ofMinutes(1));
            }
            return 0;
        }
        System.out.printf("  input           %,d records produced in %,d ms (not measured)%n", n,
                (System.nanoTime() - t0) / 1_000_000);
        long cpu0 = processCpuNanos();
        long start = System.nanoTime();
        try (Job job = Job.start(w.topology(), b, config)) {
            ProfileReport profile = profileReport(job);
            job.awaitRunning(Duration.ofMinutes(1));
            long running = System.nanoTime() - start;
            if (!job.awaitProcessed(Duration.ofMinutes(10))) {
                System.out.println("FAILED: job " + job.state() + " " + job.error());
                return 1;
            }
            long elapsed = System.nanoTime() - start;
            job.awaitCaughtUp(Duration.ofMinutes(1));
            long committed = System.nanoTime() - start;
            double seconds = elapsed / 1e9;
            System.out.printf("  throughput      %,.0f input records/s  (%,d records in %.2f s, start to all "
                    + "processed; %.2f s to all committed; %,d ms start to running)%n", n / seconds, n, seconds,
                    committed / 1e9, running / 1_000_000);
            System.out.printf("  cpu             %.1f cores on average; peak RSS %,d MiB%n",
                    (processCpuNanos() - cpu0) / (double) elapsed, peakRssMib());
            printMetrics(job.metrics());
            printTopicSizes(b, job.applicationId(), w.outputTopic);
            if (profile != null) {
                profile.close();
            }
        }
        if (restore) {
            long restoreStart = System.nanoTime();
            try (Job job = Job.start(w.topology(), b, config)) {
                job.awaitRunning(Duration.ofMinutes(10));
                double seconds = (System.nanoTime() - restoreStart) / 1e9;
                long restored = job.metrics().entrySet().stream().filter(e -> e.getKey().startsWith("restored-"))
                        .mapToLong(Map.Entry::getValue).sum();
                System.out.printf("  restore         %,.0f records/s  (%,d changelog records into the stores in "
                        + "%.2f s, start to running)%n", restored / seconds, restored, seconds);
            }
        }
        return 0;
    }

    private int runLatency(Broker b, JobWorkload w, JobConfig config) throws Exception {
        Histogram latency = new Histogram(60_000_000_000L, 3);
        AtomicBoolean measuring = new AtomicBoolean();
        AtomicBoolean stop = new AtomicBoolean();
        try (Job job = Job.start(w.topology(), b, config)) {
            ProfileReport profile = profileReport(job);
            job.awaitRunning(Duration.ofSeconds(60));
            Thread reader = new Thread(() -> readOutput(b, w, latency, measuring, stop), "perf-output-reader");
            reader.start();
            long warmupNanos = Duration.ofSeconds(5).toNanos();
            long measureNanos = Duration.ofSeconds(durationSeconds).toNanos();
            long interval = 1_000_000_000L / rate;
            Random random = new Random(7);
            long sent = 0;
            try (Producer producer = b.producer()) {
                long start = System.nanoTime();
                long next = start;
                while (next - start < warmupNanos + measureNanos) {
                    if (next - start >= warmupNanos && !measuring.getAndSet(true) && profile != null) {
                        profile.discard(); // the warm-up: measured by neither histogram
                    }
                    long now = System.nanoTime();
                    if (next > now) {
                        LockSupport.parkNanos(next - now);
                    }
                    byte[] stamp = ByteBuffer.allocate(8).putLong(next).array();
                    producer.send(w.record(sent, random, System.currentTimeMillis()).withHeader(SENT_HEADER, stamp),
                            (metadata, error) -> { });
                    sent++;
                    next += interval;
                }
                producer.flush();
            }
            job.awaitCaughtUp(Duration.ofMinutes(2));
            Thread.sleep(200);
            stop.set(true);
            reader.join();
            System.out.printf("  input rate      %,d records/s for %d s (after 5 s warm-up), %,d results timed%n",
                    rate, durationSeconds, latency.getTotalCount());
            System.out.printf("  end-to-end      %s%n", LatencyReport.percentiles(latency));
            if (histogramFile != null) {
                LatencyReport.writeHgrm(latency, histogramFile);
            }
            if (profile != null) {
                profile.close();
            }
        }
        return 0;
    }

    private static void readOutput(Broker b, JobWorkload w, Histogram latency, AtomicBoolean measuring,
                                   AtomicBoolean stop) {
        try (Consumer consumer = b.consumer()) {
            List<TopicPartition> parts = consumer.partitionsFor(w.outputTopic);
            consumer.assign(parts);
            consumer.seekToEnd(parts);
            while (!stop.get()) {
                for (ConsumerRecord r : consumer.poll(Duration.ofMillis(20))) {
                    long now = System.nanoTime();
                    for (Header h : r.headers()) {
                        if (h.key().equals(SENT_HEADER) && measuring.get()) {
                            latency.recordValue(Math.max(0, now - ByteBuffer.wrap(h.value()).getLong()));
                        }
                    }
                }
            }
        }
    }

    private int runDriver(JobWorkload w, long n, boolean report) {
        Topology topology = w.topology();
        TestDriver.Builder builder = TestDriver.builder(topology);
        for (String topic : concat(w.tables(), List.of(w.inputTopic, w.outputTopic))) {
            builder.partitions(topic, partitions);
        }
        w.tables().forEach(builder::compacted); // as on the broker
        try (TestDriver d = builder.build()) {
            for (String table : w.tables()) {
                TestInput<Object, Object> in = d.input(table);
                for (int i = 0; i < w.tableSize(); i++) {
                    ProducerRecord r = w.tableRecord(table, i);
                    in.sendBytes(r.key(), r.value(), r.timestamp(), List.of());
                }
            }
            TestInput<Object, Object> in = d.input(w.inputTopic);
            Random random = new Random(7);
            long start = System.nanoTime();
            for (long i = 0; i < n; i++) {
                ProducerRecord r = w.record(i, random, 1_000_000_000_000L + i);
                in.sendBytes(r.key(), r.value(), r.timestamp(), List.of());
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            if (!report) {
                return 0;
            }
            System.out.printf("  test driver     %,.0f input records/s  (%,d records in %.2f s)%n", n / seconds, n,
                    seconds);
        }
        return 0;
    }

    /**
     * How many records the job wrote to its output topic and through its repartition and changelog topics: the
     * work behind the figure.
     */
    private static void printTopicSizes(Broker b, String applicationId, String outputTopic) {
        try (Admin admin = b.admin(); Consumer consumer = b.consumer()) {
            for (String topic : new java.util.TreeSet<>(admin.listTopics())) {
                if (topic.startsWith(applicationId + "-") || topic.equals(outputTopic)) {
                    long records = consumer.endOffsets(consumer.partitionsFor(topic)).values().stream()
                            .mapToLong(Long::longValue).sum();
                    System.out.printf("  %-15s %s: %,d records%n", topic.equals(outputTopic) ? "output topic"
                            : "internal topic", topic, records);
                }
            }
        }
    }

    private static void printMetrics(Map<String, Long> metrics) {
        metrics.forEach((name, value) -> {
            if (name.startsWith("dropped") || name.startsWith("skipped")) {
                System.out.printf("  %-15s %,d%n", name, value);
            }
        });
    }

    private static long processCpuNanos() {
        java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory
                .getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : 0;
    }

    private static long peakRssMib() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
                }
            }
        } catch (java.io.IOException e) {
            return -1;
        }
        return -1;
    }
}
