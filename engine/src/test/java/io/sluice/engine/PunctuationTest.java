package io.sluice.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PunctuationTest {
    private final List<String> calls = new ArrayList<>();

    private Topology scheduling(PunctuationType type) {
        return Topology.builder("punctuate")
                .source("in", "ticks", Serdes.string(), Serdes.string())
                .processor("p", () -> new Processor<String, String>() {
                    @Override
                    public void init(ProcessorContext context) {
                        context.schedule(Duration.ofSeconds(10), type, t -> calls.add(type + "@" + t));
                    }

                    @Override
                    public void process(Record<String, String> record) {
                    }
                }, "in")
                .build();
    }

    @Test
    void shouldPunctuateOnStreamTimeOncePerJump() {
        try (TestDriver driver = TestDriver.of(scheduling(PunctuationType.STREAM_TIME))) {
            driver.input("ticks").send("k", "a", 1_000L);
            driver.input("ticks").send("k", "b", 10_999L);
            assertThat(calls).isEmpty();
            driver.input("ticks").send("k", "c", 11_000L);
            driver.input("ticks").send("k", "d", 55_000L);
            driver.input("ticks").send("k", "e", 64_999L);
            driver.input("ticks").send("k", "f", 65_000L);
            assertThat(calls).containsExactly("STREAM_TIME@11000", "STREAM_TIME@55000", "STREAM_TIME@65000");
            driver.advanceTime(Duration.ofMinutes(5));
            assertThat(calls).hasSize(3);
        }
    }

    @Test
    void shouldPunctuateOnWallClockTimeWithoutRecords() {
        try (TestDriver driver = TestDriver.of(scheduling(PunctuationType.WALL_CLOCK_TIME))) {
            driver.advanceTime(Duration.ofSeconds(9));
            assertThat(calls).isEmpty();
            driver.advanceTime(Duration.ofSeconds(1));
            driver.advanceTime(Duration.ofSeconds(10));
            assertThat(calls).containsExactly("WALL_CLOCK_TIME@10000", "WALL_CLOCK_TIME@20000");
        }
    }
}
