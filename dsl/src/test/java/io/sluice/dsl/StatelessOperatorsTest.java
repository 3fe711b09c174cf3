package io.sluice.dsl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.broker.ConsumerRecord;
import io.sluice.engine.KeyValue;
import io.sluice.engine.Processor;
import io.sluice.engine.ProcessorContext;
import io.sluice.engine.Record;
import io.sluice.engine.Serdes;
import io.sluice.engine.TestDriver;
import io.sluice.engine.TopologyException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StatelessOperatorsTest {

    @Test
    void shouldFilterMapAndFlatMap() {
        Pipeline p = Pipeline.named("stateless");
        p.stream("in", Serdes.string())
                .filter((k, v) -> !v.isEmpty())
                .filterNot((k, v) -> v.startsWith("#"))
                .flatMapValues(v -> List.of(v.split(" ")))
                .mapValues(String::toUpperCase)
                .withValueSerde(Serdes.string())
                .to("out");
        try (TestDriver driver = TestDriver.of(p.build())) {
            driver.input("in").send("a", "hello world").send("b", "").send("c", "# comment").send("d", "bye");
            assertThat(driver.<String, String>output("out").keyValues()).containsExactly(
                    KeyValue.of("a", "HELLO"), KeyValue.of("a", "WORLD"), KeyValue.of("d", "BYE"));
        }
    }

    @Test
    void shouldMapKeysAndValuesAndFlatMapPairs() {
        Pipeline p = Pipeline.named("map");
        p.stream("in", Serdes.string())
                .map((k, v) -> KeyValue.of(v, (long) k.length()))
                .withKeySerde(Serdes.string()).withValueSerde(Serdes.longs())
                .to("lengths");
        p.stream("pairs", Serdes.string())
                .flatMap((k, v) -> List.of(KeyValue.of(k + "1", v), KeyValue.of(k + "2", v)))
                .withKeySerde(Serdes.string()).withValueSerde(Serdes.string())
                .selectKey((k, v) -> k.toUpperCase())
                .withKeySerde(Serdes.string())
                .to("flat");
        try (TestDriver driver = TestDriver.of(p.build())) {
            driver.input("in").send("abc", "x");
            driver.input("pairs").send("k", "v");
            assertThat(driver.<String, Long>output("lengths").keyValues()).containsExactly(KeyValue.of("x", 3L));
            assertThat(driver.<String, String>output("flat").keyValues())
                    .containsExactly(KeyValue.of("K1", "v"), KeyValue.of("K2", "v"));
        }
    }

    @Test
    void shouldSplitIntoBranchesAndMergeThemBack() {
        Pipeline p = Pipeline.named("split");
        Map<String, Stream<String, Long>> branches = p.stream("numbers", Serdes.longs())
                .split()
                .branch("negative", (k, v) -> v < 0)
                .branch("small", (k, v) -> v < 10)
                .otherwise("large")
                .branches();
        branches.get("negative").to("negative");
        branches.get("small").merge(branches.get("large")).filter((k, v) -> v != 5).to("non-negative");
        try (TestDriver driver = TestDriver.of(p.build())) {
            for (long v : new long[] {-1, 5, 7, 100, -3}) {
                driver.input("numbers").send("k", v);
            }
            assertThat(driver.<String, Long>output("negative").values()).containsExactly(-1L, -3L);
            assertThat(driver.<String, Long>output("non-negative").values()).containsExactly(7L, 100L);
        }
    }

    @Test
    void shouldPeekAndForeachEveryRecord() {
        List<String> peeked = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        Pipeline p = Pipeline.named("peek");
        p.stream("in", Serdes.string()).peek((k, v) -> peeked.add(v)).foreach((k, v) -> seen.add(k + "=" + v));
        try (TestDriver driver = TestDriver.of(p.build())) {
            driver.input("in").send("a", "1").send("b", "2");
        }
        assertThat(peeked).containsExactly("1", "2");
        assertThat(seen).containsExactly("a=1", "b=2");
    }

    @Test
    void shouldWriteToThePartitionTheCustomPartitionerChooses() {
        Pipeline p = Pipeline.named("partitioner");
        p.stream("in", Serdes.string()).to("out", (k, v, count) -> Integer.parseInt(v) % count);
        try (TestDriver driver = TestDriver.builder(p.build()).partitions("out", 3).build()) {
            driver.input("in").send("a", "4").send("b", "5");
            List<ConsumerRecord> out = driver.records("out");
            assertThat(out).extracting(ConsumerRecord::partition).containsExactly(1, 2);
        }
    }

    @Test
    void shouldRunAProcessorWithItsOwnStoreAndPunctuation() {
        Pipeline p = Pipeline.named("process");
        p.stream("in", Serdes.string())
                .<String, Long>process("dedupe", () -> new Processor<String, String>() {
                    private ProcessorContext context;
                    private io.sluice.engine.KeyValueStore<String, Long> seen;

                    @Override
                    public void init(ProcessorContext c) {
                        context = c;
                        seen = c.store("dedupe-seen");
                    }

                    @Override
                    public void process(Record<String, String> r) {
                        if (seen.get(r.value()) == null) {
                            seen.put(r.value(), r.timestamp());
                            context.forward(r.withValue(r.timestamp()));
                        }
                    }
                }, io.sluice.engine.StoreSpec.keyValue("dedupe-seen", Serdes.string(), Serdes.longs()))
                .withKeySerde(Serdes.string()).withValueSerde(Serdes.longs())
                .to("firsts");
        try (TestDriver driver = TestDriver.of(p.build())) {
            driver.input("in").send("a", "x", 1L).send("b", "x", 2L).send("c", "y", 3L);
            assertThat(driver.<String, Long>output("firsts").keyValues())
                    .containsExactly(KeyValue.of("a", 1L), KeyValue.of("c", 3L));
        }
    }

    @Test
    void shouldReportEveryMissingSerdeAtBuild() {
        Pipeline p = Pipeline.named("serdes");
        Stream<String, String> in = p.stream("in", Serdes.string());
        in.mapValues(String::length).to("lengths");
        in.map((k, v) -> KeyValue.of(v, k)).to("swapped");
        assertThatThrownBy(p::build).isInstanceOf(TopologyException.class)
                .satisfies(e -> assertThat(((TopologyException) e).problems()).hasSize(3))
                .hasMessageContaining("Value serde unknown at to(lengths)")
                .hasMessageContaining("Key serde unknown at to(swapped)")
                .hasMessageContaining("Value serde unknown at to(swapped)");
    }

    @Test
    void shouldUseThePipelineDefaultSerdes() {
        Pipeline p = Pipeline.named("defaults").defaultSerdes(Serdes.string(), Serdes.string());
        p.stream("in", Serdes.string()).mapValues(v -> v + "!").to("out");
        try (TestDriver driver = TestDriver.of(p.build())) {
            driver.input("in").send("k", "hi");
            assertThat(driver.<String, String>output("out").values()).containsExactly("hi!");
        }
    }
}
