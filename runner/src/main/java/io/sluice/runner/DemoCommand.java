package io.sluice.runner;

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
import io.sluice.engine.KeyValue;
import io.sluice.engine.ReadOnlyKeyValueStore;
import io.sluice.runner.internal.DataDirectory;
import io.sluice.runner.internal.JobStatus;
import io.sluice.samples.WordCount;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sluice demo}: a stream job end to end on an embedded broker — the word-count pipeline of the samples runs
 * while generated lines are produced at a steady rate; the demo then checks every count against its own and prints
 * the top words and the end-to-end latency of every count update.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run the word-count pipeline on an embedded broker over generated text and print results.")
final class DemoCommand implements Callable<Integer> {
    /** Each line carries its send time (System.nanoTime; one JVM), and the word-count job passes headers on. */
    private static final String SENT_HEADER = "demo-sent-nanos";

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Data directory to keep; default: a temporary one, removed afterwards.")
    Path dataDir;

    @Option(names = "--lines", paramLabel = "N", defaultValue = "200000",
            description = "Lines of 10 words to produce (${DEFAULT-VALUE}).")
    int lines;

    @Option(names = "--rate", paramLabel = "LINES/S", defaultValue = "20000",
            description = "Lines produced per second; 0 for as fast as possible (${DEFAULT-VALUE}).")
    long rate;

    @Option(names = "--partitions", paramLabel = "P", defaultValue = "4",
            description = "Partitions of the input and output topics (${DEFAULT-VALUE}).")
    int partitions;

    @Override
    public Integer call() throws Exception {
        if (lines < 1 || partitions < 1 || rate < 0) {
            throw new IllegalArgumentException("--lines and --partitions must be positive, --rate not negative");
        }
        try (DataDirectory dir = DataDirectory.of(dataDir, "demo")) {
            long t0 = System.nanoTime();
            try (Broker broker = Broker.start(dir.path())) {
                System.out.printf("Started embedded broker in %s (%d ms)%n", dir.path(), millisSince(t0));
                try (Admin admin = broker.admin()) {
                    for (String topic : List.of(WordCount.INPUT_TOPIC, WordCount.OUTPUT_TOPIC)) {
                        if (!admin.listTopics().contains(topic)) {
                            admin.createTopic(NewTopic.of(topic, partitions));
                        }
                    }
                }
                System.out.print(WordCount.topology().describe());
                try (Job job = Job.start(WordCount.topology(), broker)) {
                    job.awaitRunning(Duration.ofSeconds(30));
                    return run(broker, job);
                }
            }
        }
    }

    private int run(Broker broker, Job job) throws InterruptedException {
        Histogram latency = new Histogram(3_600_000_000_000L, 3);
        AtomicBoolean done = new AtomicBoolean();
        // The first quarter of the lines warms up the JIT; their latency is not reported.
        long warmupNanos = System.nanoTime() + (rate > 0 ? lines / 4 * (1_000_000_000L / rate) : 0);
        Thread reader = new Thread(() -> readOutput(broker, latency, done, warmupNanos), "demo-reader");
        reader.start();
        long start = System.nanoTime();
        Thread progress = progress(broker, job, done, start);
        Map<String, Long> expected = produce(broker);
        long produced = System.nanoTime();
        System.out.printf("Produced %,d lines in %d ms%s%n", lines, (produced - start) / 1_000_000,
                rate > 0 ? String.format(" (paced at %,d lines/s)", rate) : "");
        if (!job.awaitCaughtUp(Duration.ofMinutes(10))) {
            System.out.println("FAILED: the job stopped or fell behind: " + job.state());
            return 1;
        }
        long processed = System.nanoTime();
        done.set(true);
        reader.join();
        progress.join();
        double seconds = (processed - start) / 1e9;
        System.out.printf("Processed and committed %,d lines (%,d words) in %.2f s%n", lines, lines * 10L, seconds);
        System.out.printf("End-to-end latency, from each line's send to its count updates in the output topic "
                        + "(%,d updates after the first quarter's warm-up):%n  p50 %.2f ms, p99 %.2f ms, "
                        + "p99.9 %.2f ms, max %.2f ms%n",
                latency.getTotalCount(), latency.getValueAtPercentile(50) / 1e6,
                latency.getValueAtPercentile(99) / 1e6, latency.getValueAtPercentile(99.9) / 1e6,
                latency.getMaxValue() / 1e6);
        ReadOnlyKeyValueStore<String, Long> counts = job.store(WordCount.STORE);
        System.out.println();
        System.out.println("Top words (from the job's store):");
        counts.all().stream().sorted(Comparator.comparing(KeyValue<String, Long>::value).reversed()).limit(5)
                .forEach(kv -> System.out.printf("  %-10s %,8d%n", kv.key(), kv.value()));
        long wrong = expected.entrySet().stream().filter(e -> !e.getValue().equals(counts.get(e.getKey()))).count();
        System.out.println();
        if (wrong == 0 && counts.size() == expected.size()) {
            System.out.printf("OK: all %,d word counts match the %,d words produced.%n", expected.size(),
                    lines * 10L);
            return 0;
        }
        System.out.printf("FAILED: %,d of %,d word counts differ.%n", wrong, expected.size());
        return 1;
    }

    /** Prints the job's status every second until {@code done}: on a terminal one line kept up to date. */
    private static Thread progress(Broker broker, Job job, AtomicBoolean done, long start) {
        boolean terminal = System.console() != null;
        Thread thread = new Thread(() -> {
            try (JobStatus status = new JobStatus(job, broker, java.util.Set.of(WordCount.INPUT_TOPIC),
                    java.util.Set.of(WordCount.OUTPUT_TOPIC))) {
                while (!done.get()) {
                    LockSupport.parkNanos(1_000_000_000L);
                    if (done.get()) {
                        break;
                    }
                    String line = String.format("  %3d s  %s", (System.nanoTime() - start) / 1_000_000_000L,
                            status.line());
                    System.out.print(terminal ? "\r" + line + "\033[K" : line + System.lineSeparator());
                    System.out.flush();
                }
                if (terminal) {
                    System.out.print("\r\033[K");
                }
            }
        }, "demo-progress");
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    /** Produces lines of 10 words from a 1,000-word vocabulary; returns the count of each word. */
    private Map<String, Long> produce(Broker broker) {
        Random random = new Random(42);
        Map<String, Long> expected = new HashMap<>();
        StringBuilder line = new StringBuilder(80);
        long interval = rate > 0 ? 1_000_000_000L / rate : 0;
        long next = System.nanoTime();
        try (Producer producer = broker.producer()) {
            for (int i = 0; i < lines; i++) {
                if (interval > 0) {
                    long wait = next - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(wait);
                    }
                }
                line.setLength(0);
                for (int w = 0; w < 10; w++) {
                    String word = "w" + random.nextInt(1_000);
                    expected.merge(word, 1L, Long::sum);
                    line.append(w == 0 ? "" : " ").append(word);
                }
                long sent = interval > 0 ? next : System.nanoTime();
                producer.send(ProducerRecord.of(WordCount.INPUT_TOPIC, "line-" + i, line.toString())
                        .withHeader(SENT_HEADER, ByteBuffer.allocate(8).putLong(sent).array()));
                next += interval;
            }
            producer.flush();
        }
        return expected;
    }

    private static void readOutput(Broker broker, Histogram latency, AtomicBoolean done, long measureFrom) {
        try (Consumer consumer = broker.consumer()) {
            List<TopicPartition> parts = consumer.partitionsFor(WordCount.OUTPUT_TOPIC);
            consumer.assign(parts);
            consumer.seekToEnd(parts);
            while (!done.get()) {
                for (ConsumerRecord r : consumer.poll(Duration.ofMillis(50))) {
                    long now = System.nanoTime();
                    for (Header h : r.headers()) {
                        long sent = h.key().equals(SENT_HEADER) ? ByteBuffer.wrap(h.value()).getLong() : -1;
                        if (sent >= measureFrom) {
                            latency.recordValue(Math.max(0, now - sent));
                        }
                    }
                }
            }
        }
    }

    private static long millisSince(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }
}
