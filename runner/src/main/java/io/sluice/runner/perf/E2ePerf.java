package io.sluice.runner.perf;

import io.sluice.broker.Admin;
import io.sluice.broker.Consumer;
import io.sluice.broker.ConsumerRecord;
import io.sluice.broker.NewTopic;
import io.sluice.broker.Producer;
import io.sluice.broker.ProducerConfig;
import io.sluice.broker.ProducerRecord;
import io.sluice.broker.TopicPartition;
import io.sluice.runner.internal.LatencyReport;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code sluice perf e2e}: how long a record takes from a producer's {@code send} to a consumer's {@code poll}
 * returning it. By default one record at a time, as Kafka's {@code EndToEndLatency} tool does (send, wait for the
 * acknowledgement, poll until the record arrives, next); with {@code --rate}, records are sent at a steady rate while
 * a consumer thread reads them, each timed from its intended send time (no coordinated omission). Through an
 * embedded broker, or with {@code --bootstrap} a running cluster (topic {@code e2e-latency}, made if missing).
 */
@Command(name = "e2e", mixinStandardHelpOptions = true,
        description = "End-to-end latency from send to the consumer's poll: through an embedded broker, or a "
                + "cluster (--bootstrap).")
final class E2ePerf implements Callable<Integer> {
    private static final String TOPIC = "e2e-latency";

    @Spec
    CommandSpec spec;

    @Mixin
    TargetOptions target;

    @Option(names = "--records", paramLabel = "N", defaultValue = "10000",
            description = "One at a time: records timed, after as many of warm-up (${DEFAULT-VALUE}).")
    long records;

    @Option(names = "--record-size", paramLabel = "BYTES", defaultValue = "100",
            description = "Value size, at least 8 (${DEFAULT-VALUE}).")
    int recordSize;

    @Option(names = "--acks", defaultValue = "1", description = "0, 1 or all (${DEFAULT-VALUE}).")
    String acks;

    @Option(names = "--rate", paramLabel = "RECORDS/S", defaultValue = "0",
            description = "Send at this steady rate instead of one at a time (${DEFAULT-VALUE}: one at a time).")
    long rate;

    @Option(names = "--duration-s", paramLabel = "S", defaultValue = "20",
            description = "With --rate: seconds measured, after 5 s of warm-up (${DEFAULT-VALUE}).")
    int durationSeconds;

    @Option(names = "--histogram", paramLabel = "FILE", description = "Also write the latency distribution (.hgrm).")
    Path histogramFile;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (records < 1 || recordSize < 8 || rate < 0 || durationSeconds < 1) {
            throw PerfCommand.usage(spec, "records and duration must be positive, record size at least 8, rate not "
                    + "negative");
        }
        Histogram latency = new Histogram(60_000_000_000L, 3);
        try (TargetOptions.Target t = target.open(spec, "perf-e2e")) {
            try (Admin admin = t.cluster().admin()) {
                if (!admin.listTopics().contains(TOPIC)) {
                    admin.createTopic(NewTopic.of(TOPIC, 1));
                }
            }
            TopicPartition tp = new TopicPartition(TOPIC, 0);
            try (Producer producer = t.cluster().producer(ProducerConfig.builder().acks(acks).build());
                 Consumer consumer = t.cluster().consumer()) {
                consumer.assign(List.of(tp));
                consumer.seekToEnd(List.of(tp));
                consumer.position(tp); // resolves the end now: a record sent before a lazy seek would be skipped
                out.printf("sluice perf e2e: %s, topic %s%n", t.description(), TOPIC);
                if (rate == 0) {
                    oneAtATime(producer, consumer, records, null);    // warm-up
                    oneAtATime(producer, consumer, records, latency);
                    out.printf("  one at a time   %,d records (after %,d of warm-up), acks=%s%n", records,
                            records, acks);
                } else {
                    atRate(producer, consumer, latency);
                    out.printf("  input rate      %,d records/s for %d s (after 5 s warm-up), %,d timed, "
                            + "acks=%s%n", rate, durationSeconds, latency.getTotalCount(), acks);
                }
            }
        }
        out.printf("  end-to-end      %s (mean %s)%n", LatencyReport.percentiles(latency),
                LatencyReport.micros((long) latency.getMean()));
        if (histogramFile != null) {
            LatencyReport.writeHgrm(latency, histogramFile);
        }
        return 0;
    }

    private void oneAtATime(Producer producer, Consumer consumer, long n, Histogram latency) {
        byte[] value = new byte[recordSize];
        for (long i = 0; i < n; i++) {
            long start = System.nanoTime();
            ByteBuffer.wrap(value).putLong(i);
            var sent = producer.send(ProducerRecord.of(TOPIC, value));
            producer.flush(); // a Kafka producer would otherwise linger (5 ms by default) for more records
            sent.join();
            boolean received = false;
            while (!received) {
                for (ConsumerRecord r : consumer.poll(Duration.ofSeconds(10))) {
                    if (ByteBuffer.wrap(r.value()).getLong() == i) {
                        received = true;
                    }
                }
                if (!received && System.nanoTime() - start > Duration.ofSeconds(30).toNanos()) {
                    throw new IllegalStateException("Record " + i + " was not consumed within 30 s");
                }
            }
            if (latency != null) {
                latency.recordValue(System.nanoTime() - start);
            }
        }
    }

    private void atRate(Producer producer, Consumer consumer, Histogram latency) throws InterruptedException {
        AtomicBoolean measuring = new AtomicBoolean();
        AtomicBoolean done = new AtomicBoolean();
        AtomicLong sent = new AtomicLong();
        Thread reader = new Thread(() -> {
            long read = 0;
            while (!done.get() || read < sent.get()) {
                for (ConsumerRecord r : consumer.poll(Duration.ofMillis(100))) {
                    long intended = ByteBuffer.wrap(r.value()).getLong();
                    if (intended < 0) {
                        latency.recordValue(Math.max(0, System.nanoTime() + intended));
                    }
                    read++;
                }
            }
        }, "perf-e2e-reader");
        reader.start();
        long warmup = Duration.ofSeconds(5).toNanos();
        long total = warmup + Duration.ofSeconds(durationSeconds).toNanos();
        long interval = 1_000_000_000L / rate;
        byte[] value = new byte[recordSize];
        long start = System.nanoTime();
        for (long next = start; next - start < total; next += interval) {
            measuring.set(next - start >= warmup);
            long now = System.nanoTime();
            if (next > now) {
                LockSupport.parkNanos(next - now);
            }
            // Measured records carry -(intended send time): the reader times those only.
            ByteBuffer.wrap(value).putLong(measuring.get() ? -next : next);
            producer.send(ProducerRecord.of(TOPIC, value.clone()), (metadata, error) -> { });
            sent.incrementAndGet();
        }
        producer.flush();
        done.set(true);
        reader.join();
    }
}
