package io.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.broker.Admin;
import io.sluice.broker.Broker;
import io.sluice.broker.NewTopic;
import io.sluice.broker.Producer;
import io.sluice.broker.ProducerRecord;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Operator latencies: sampled records, each operator's own time, end to end from the record's timestamp. */
@Timeout(60)
class LatencyProfileTest {
    @TempDir
    Path dir;

    /** source → fast (forwards at once) → slow (spins 2 ms, then forwards) → sink. */
    private static Topology fastThenSlow() {
        return Topology.builder("profiled")
                .source("in", "input", Serdes.string(), Serdes.string())
                .processor("fast", () -> new Processor<String, String>() {
                    private ProcessorContext context;

                    @Override
                    public void init(ProcessorContext c) {
                        context = c;
                    }

                    @Override
                    public void process(Record<String, String> r) {
                        context.forward(r);
                    }
                }, "in")
                .processor("slow", () -> new Processor<String, String>() {
                    private ProcessorContext context;

                    @Override
                    public void init(ProcessorContext c) {
                        context = c;
                    }

                    @Override
                    public void process(Record<String, String> r) {
                        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2);
                        while (System.nanoTime() < until) {
                            Thread.onSpinWait();
                        }
                        context.forward(r);
                    }
                }, "fast")
                .sink("out", "output", Serdes.string(), Serdes.string(), null, "slow")
                .build();
    }

    @Test
    void shouldTimeEachOperatorWithoutTheOnesItForwardsTo() throws Exception {
        try (Broker broker = Broker.start(dir)) {
            try (Admin admin = broker.admin()) {
                admin.createTopic(NewTopic.of("input", 2));
                admin.createTopic(NewTopic.of("output", 2));
            }
            JobConfig config = JobConfig.defaults().with(JobConfig.PROFILE_SAMPLE_ONE_IN, 4);
            try (Job job = Job.start(fastThenSlow(), broker, config)) {
                LatencyProfile profile = job.latencyProfile().orElseThrow();
                assertThat(profile.operators()).containsExactly("in", "fast", "slow", "out",
                        LatencyProfile.END_TO_END);
                try (Producer producer = broker.producer()) {
                    for (int i = 0; i < 200; i++) {
                        producer.send(ProducerRecord.of("input", "k" + i, "v" + i));
                    }
                    producer.flush();
                }
                assertThat(job.awaitCaughtUp(Duration.ofSeconds(30))).isTrue();
                Map<String, Histogram> interval = profile.takeInterval();
                // One record in 4 per task, its first one included: ceil(n / 4) for each of the 2 partitions.
                long sampled = interval.get("slow").getTotalCount();
                assertThat(sampled).isBetween(50L, 51L);
                assertThat(interval.get("in").getTotalCount()).isEqualTo(sampled);
                assertThat(interval.get("out").getTotalCount()).isEqualTo(sampled);
                assertThat(interval.get(LatencyProfile.END_TO_END).getTotalCount()).isEqualTo(sampled);
                long twoMs = TimeUnit.MILLISECONDS.toNanos(2);
                assertThat(interval.get("slow").getMinValue()).isGreaterThanOrEqualTo(twoMs * 99 / 100);
                // "fast" forwarded to "slow": its own time leaves the 2 ms out.
                assertThat(interval.get("fast").getValueAtPercentile(50)).isLessThan(twoMs / 4);
                assertThat(interval.get(LatencyProfile.END_TO_END).getMaxValue())
                        .isGreaterThanOrEqualTo(0).isLessThan(TimeUnit.SECONDS.toNanos(30));
                assertThat(profile.takeInterval().get("slow").getTotalCount()).as("taken already").isZero();
                // The whole run stays for the metrics: quantiles in seconds per operator.
                assertThat(job.metricList()).filteredOn(m -> m.name().equals("latency-seconds")
                        && m.tags().get("operator").equals("slow") && m.tags().get("quantile").equals("0.5"))
                        .singleElement().satisfies(m -> assertThat(m.value()).isBetween(0.00198, 0.1));
                assertThat(job.metricList()).anySatisfy(m -> assertThat(m.name()).isEqualTo("lag"));
            }
        }
    }

    @Test
    void shouldRecordNothingWhenProfilingIsOff() throws Exception {
        try (Broker broker = Broker.start(dir)) {
            try (Admin admin = broker.admin()) {
                admin.createTopic(NewTopic.of("input", 1));
                admin.createTopic(NewTopic.of("output", 1));
            }
            try (Job job = Job.start(fastThenSlow(), broker)) {
                assertThat(job.latencyProfile()).isEmpty();
            }
        }
    }
}
