package io.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.broker.ConsumerRecord;
import io.sluice.broker.Header;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ErrorHandlingTest {
    private static Topology sumPerKey() {
        return Topology.builder("errors")
                .source("in", "numbers", Serdes.string(), Serdes.longs())
                .processor("pass", () -> new Processor<String, Long>() {
                    private ProcessorContext context;

                    @Override
                    public void init(ProcessorContext c) {
                        context = c;
                    }

                    @Override
                    public void process(Record<String, Long> r) {
                        context.forward(r);
                    }
                }, "in")
                .sink("out", "copy", Serdes.string(), Serdes.longs(), null, "pass")
                .build();
    }

    private static TestDriver driver(String policy) {
        return TestDriver.builder(sumPerKey())
                .config(JobConfig.defaults().with(JobConfig.DESERIALIZATION_ERROR_POLICY, policy)).build();
    }

    private static final byte[] NOT_A_LONG = "abc".getBytes(StandardCharsets.UTF_8);

    @Test
    void shouldFailOnAnUnreadableRecordByDefault() {
        try (TestDriver driver = driver("fail")) {
            assertThatThrownBy(() -> driver.input("numbers").sendBytes("k".getBytes(StandardCharsets.UTF_8),
                    NOT_A_LONG, 0L, List.of()))
                    .isInstanceOf(ProcessingException.class)
                    .hasMessageContaining("Cannot deserialize")
                    .hasMessageContaining("value serde long")
                    .hasMessageContaining("topic=numbers, partition=0, offset=0");
        }
    }

    @Test
    void shouldSkipAndCountAnUnreadableRecordWhenAskedTo() {
        try (TestDriver driver = driver("log-and-continue")) {
            driver.input("numbers").sendBytes(null, NOT_A_LONG, 0L, List.of());
            driver.<String, Long>input("numbers").send("k", 7L);
            assertThat(driver.<String, Long>output("copy").values()).containsExactly(7L);
            assertThat(driver.metrics()).containsEntry("skipped-records-deserialization{operator=in}", 1L);
        }
    }

    @Test
    void shouldSendAnUnreadableRecordToTheDeadLetterTopicWithTheErrorInHeaders() {
        try (TestDriver driver = driver("dead-letter")) {
            driver.input("numbers").sendBytes("k".getBytes(StandardCharsets.UTF_8), NOT_A_LONG, 42L,
                    List.of(new Header("trace", "t-1".getBytes(StandardCharsets.UTF_8))));
            List<ConsumerRecord> dead = driver.records("errors-dead-letters");
            assertThat(dead).hasSize(1);
            ConsumerRecord r = dead.get(0);
            assertThat(r.value()).isEqualTo(NOT_A_LONG);
            assertThat(r.keyAsString()).isEqualTo("k");
            assertThat(r.timestamp()).isEqualTo(42L);
            assertThat(r.headers()).extracting(Header::key).contains("trace", "sluice.error.topic",
                    "sluice.error.partition", "sluice.error.offset", "sluice.error.operator",
                    "sluice.error.exception", "sluice.error.message");
            assertThat(driver.<String, Long>output("copy").isEmpty()).isTrue();
        }
    }

    @Test
    void shouldNameTheSinkWhenItsSerdeDoesNotFitTheRecord() {
        Topology topology = Topology.builder("wrong-serde")
                .source("in", "text", Serdes.string(), Serdes.string())
                .sink("out", "numbers", Serdes.string(), Serdes.longs(), null, "in")
                .build();
        try (TestDriver driver = TestDriver.of(topology)) {
            assertThatThrownBy(() -> driver.input("text").send("k", "not a number"))
                    .isInstanceOf(ProcessingException.class)
                    .hasMessageContaining("topic numbers")
                    .hasMessageContaining("operator=out");
        }
    }

    @Test
    void shouldRejectUnknownAndInvalidJobConfig() {
        assertThatThrownBy(() -> JobConfig.defaults().with("comit.interval.ms", 5))
                .hasMessageContaining("key=comit.interval.ms").hasMessageContaining("commit.interval.ms");
        assertThatThrownBy(() -> JobConfig.defaults().with(JobConfig.NUM_STREAM_THREADS, 0))
                .hasMessageContaining("key=num.stream.threads");
    }
}
