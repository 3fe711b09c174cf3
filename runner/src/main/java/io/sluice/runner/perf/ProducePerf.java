package io.sluice.runner.perf;

import io.sluice.broker.Admin;
import io.sluice.broker.Callback;
import io.sluice.broker.NewTopic;
import io.sluice.broker.Producer;
import io.sluice.broker.ProducerConfig;
import io.sluice.broker.ProducerRecord;
import io.sluice.runner.internal.LatencyReport;
import io.sluice.runner.internal.ThreadHistograms;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code sluice perf produce}: N records of S bytes over P partitions from T threads into an embedded broker, or
 * with {@code --bootstrap} into a running cluster over the Kafka protocol.
 * Reports records/s, MiB/s and the append latency of every record — from {@code send} to its acknowledgement — as
 * HdrHistogram percentiles over a sample of at least a million records. With {@code --rate}, latency is measured
 * from each record's intended send time, which corrects for coordinated omission.
 */
@Command(name = "produce", mixinStandardHelpOptions = true,
        description = "Produce throughput and latency: of an embedded broker, or of a cluster (--bootstrap).")
final class ProducePerf implements Callable<Integer> {
    private static final long LATENCY_SAMPLES = 1_000_000;

    @Spec
    CommandSpec spec;

    @Mixin
    TargetOptions target;

    @Option(names = "--records", paramLabel = "N", defaultValue = "10000000",
            description = "Records to send (${DEFAULT-VALUE}).")
    long records;

    @Option(names = "--record-size", paramLabel = "BYTES", defaultValue = "100",
            description = "Value size (${DEFAULT-VALUE}).")
    int recordSize;

    @Option(names = "--key-size", paramLabel = "BYTES", defaultValue = "0",
            description = "Key size; 0 sends records without keys (${DEFAULT-VALUE}).")
    int keySize;

    @Option(names = "--partitions", paramLabel = "P", defaultValue = "6",
            description = "Topic partitions (${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--threads", paramLabel = "T", defaultValue = "1",
            description = "Producer threads (${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--acks", defaultValue = "1", description = "0, 1 or all (${DEFAULT-VALUE}).")
    String acks;

    @Option(names = "--flush", defaultValue = "page-cache",
            description = "page-cache (default), every-batch (fsync before ack), or an interval such as 10ms.")
    String flush;

    @Option(names = "--rate", paramLabel = "RECORDS/S", defaultValue = "0",
            description = "Target send rate over all threads; 0 sends as fast as possible (${DEFAULT-VALUE}).")
    long rate;

    @Option(names = "--warmup-records", paramLabel = "N", defaultValue = "1000000",
            description = "Records sent first and not measured, to warm up the JIT (${DEFAULT-VALUE}).")
    long warmupRecords;

    @Option(names = "--topic", defaultValue = "perf", description = "Topic (${DEFAULT-VALUE}).")
    String topic;

    @Option(names = "--histogram", paramLabel = "FILE", description = "Also write the latency distribution (.hgrm).")
    Path histogramFile;

    @Override
    public Integer call() throws Exception {
        validate();
        try (TargetOptions.Target t = target.open(spec, "perf");
             Admin admin = t.cluster().admin();
             Producer producer = t.cluster().producer(ProducerConfig.builder().acks(acks).build())) {
            NewTopic newTopic = topicWithFlushPolicy();
            if (!admin.listTopics().contains(topic)) {
                admin.createTopic(newTopic);
            }
            byte[] value = new byte[recordSize];
            new Random(42).nextBytes(value);
            byte[][] keys = keys();
            if (warmupRecords > 0) {
                run(producer, value, keys, warmupRecords, new ThreadHistograms());
            }
            ThreadHistograms histograms = new ThreadHistograms();
            long start = System.nanoTime();
            run(producer, value, keys, records, histograms);
            long elapsed = System.nanoTime() - start;
            Histogram latency = histograms.merged();
            print(elapsed, latency, t.description());
            if (histogramFile != null) {
                LatencyReport.writeHgrm(latency, histogramFile);
            }
        }
        return 0;
    }

    private void validate() {
        if (records < 1 || recordSize < 0 || keySize < 0 || partitions < 1 || threads < 1 || rate < 0
                || warmupRecords < 0) {
            throw PerfCommand.usage(spec, "records, partitions and threads must be positive; sizes, rate and "
                    + "warm-up must not be negative");
        }
    }

    private NewTopic topicWithFlushPolicy() {
        NewTopic t = NewTopic.of(topic, partitions);
        if (flush.equals("page-cache")) {
            return t;
        }
        if (flush.equals("every-batch")) {
            return t.withConfig("flush.messages", "1");
        }
        if (flush.matches("\\d+ms")) {
            return t.withConfig("flush.ms", flush.substring(0, flush.length() - 2));
        }
        throw PerfCommand.usage(spec, "--flush must be page-cache, every-batch or an interval such as 10ms: "
                + flush);
    }

    private byte[][] keys() {
        if (keySize == 0) {
            return null;
        }
        Random random = new Random(7);
        byte[][] keys = new byte[10_000][];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = new byte[keySize];
            random.nextBytes(keys[i]);
        }
        return keys;
    }

    /** Sends {@code count} records from the configured threads and waits for every acknowledgement. */
    private void run(Producer producer, byte[] value, byte[][] keys, long count, ThreadHistograms recorder)
            throws InterruptedException {
        CountDownLatch start = new CountDownLatch(1);
        AtomicLong failures = new AtomicLong();
        AtomicReference<Exception> firstFailure = new AtomicReference<>();
        List<Thread> senders = new ArrayList<>();
        long intervalNanos = rate == 0 ? 0 : threads * 1_000_000_000L / rate;
        // As Kafka's ProducerPerformance: latency is sampled (here at least 1,000,000 records), so that measuring
        // does not cost the broker's threads a clock read and a histogram update per record.
        long sampleEvery = Math.max(1, count / LATENCY_SAMPLES);
        Callback failed = (metadata, error) -> {
            if (error != null) {
                failures.incrementAndGet();
                firstFailure.compareAndSet(null, error);
            }
        };
        for (int t = 0; t < threads; t++) {
            long share = count / threads + (t < count % threads ? 1 : 0);
            int seed = t;
            Thread sender = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                long begin = System.nanoTime();
                for (long i = 0; i < share; i++) {
                    long sendTime = 0;
                    if (intervalNanos > 0) {
                        sendTime = begin + i * intervalNanos;
                        awaitNanoTime(sendTime);
                    }
                    byte[] key = keys == null ? null : keys[(int) ((i * 31 + seed) % keys.length)];
                    Callback callback;
                    if (i % sampleEvery == 0) {
                        long intended = intervalNanos > 0 ? sendTime : System.nanoTime();
                        callback = (metadata, error) -> {
                            if (error != null) {
                                failed.onCompletion(null, error);
                            } else {
                                recorder.record(System.nanoTime() - intended);
                            }
                        };
                    } else {
                        callback = failed;
                    }
                    producer.send(ProducerRecord.of(topic, key, value), callback);
                }
            }, "perf-producer-" + t);
            senders.add(sender);
            sender.start();
        }
        start.countDown();
        for (Thread sender : senders) {
            sender.join();
        }
        producer.flush();
        if (failures.get() > 0) {
            throw new IllegalStateException(failures.get() + " sends failed, first: " + firstFailure.get());
        }
    }

    /**
     * Waits until {@code deadline}: parks while it is far (a park oversleeps by tens of microseconds), then spins,
     * so that paced sends leave on time and their measured latency is the broker's, not the pacing's.
     */
    private static void awaitNanoTime(long deadline) {
        long wait;
        while ((wait = deadline - System.nanoTime()) > 0) {
            if (wait > 200_000) {
                LockSupport.parkNanos(wait - 100_000);
            } else {
                Thread.onSpinWait();
            }
        }
    }

    private void print(long elapsedNanos, Histogram latency, String into) {
        PrintWriter out = spec.commandLine().getOut();
        double seconds = elapsedNanos / 1e9;
        double perSecond = records / seconds;
        double mib = (double) records * recordSize / (1024 * 1024) / seconds;
        out.printf("sluice perf produce: %,d records x %d B into %s, %d partitions, %d thread(s), acks=%s, "
                + "flush=%s%s%n", records, recordSize, into, partitions, threads, acks, flush,
                rate > 0 ? ", rate=" + rate + "/s" : "");
        out.printf("  throughput      %,.0f records/s  %.1f MiB/s  (%.2f s)%n", perSecond, mib, seconds);
        out.printf("  append latency  %s%n", LatencyReport.percentiles(latency));
    }
}
