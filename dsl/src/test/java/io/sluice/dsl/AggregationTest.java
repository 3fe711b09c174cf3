package io.sluice.dsl;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.engine.ReadOnlyKeyValueStore;
import io.sluice.engine.Serdes;
import io.sluice.engine.TestDriver;
import io.sluice.engine.Topology;
import java.util.List;
import org.junit.jupiter.api.Test;

class AggregationTest {
    record Payment(String card, long cents) {
    }

    record Spend(long totalCents, int payments) {
        static Spend zero() {
            return new Spend(0, 0);
        }

        Spend plus(Payment p) {
            return new Spend(totalCents + p.cents(), payments + 1);
        }
    }

    static Topology wordCount() {
        Pipeline p = Pipeline.named("word-count");
        p.stream("lines", Serdes.string())
                .flatMapValues(line -> List.of(line.toLowerCase().split("\\W+")))
                .filter((k, word) -> !word.isEmpty())
                .groupBy((k, word) -> word, Serdes.string())
                .count("word-counts")
                .toStream()
                .to("counts");
        return p.build();
    }

    @Test
    void shouldRepartitionByTheNewKeySoThatCountsAreGlobal() {
        try (TestDriver driver = TestDriver.builder(wordCount()).partitions("lines", 4).partitions("counts", 4)
                .build()) {
            driver.input("lines").send("doc-1", "the cat").send("doc-2", "the dog").send("doc-3", "The end");
            assertThat(driver.<String, Long>output("counts").latest())
                    .containsEntry("the", 3L).containsEntry("cat", 1L).containsEntry("dog", 1L);
            ReadOnlyKeyValueStore<String, Long> store = driver.store("word-counts");
            assertThat(store.get("the")).isEqualTo(3L);
            assertThat(store.size()).isEqualTo(4);
            assertThat(driver.records("word-count-word-counts-repartition")).hasSize(6);
        }
    }

    @Test
    void shouldGiveTheSameCountsWithStoresInRocksDb() {
        Pipeline p = Pipeline.named("persistent-count").persistentStores();
        p.stream("lines", Serdes.string())
                .flatMapValues(line -> List.of(line.split(" ")))
                .withValueSerde(Serdes.string())
                .groupBy((k, word) -> word, Serdes.string())
                .windowedBy(Windows.tumbling(java.time.Duration.ofSeconds(1)).noGrace())
                .count("windowed-words")
                .toStream()
                .to("counts");
        Topology topology = p.build();
        assertThat(topology.stores()).allMatch(io.sluice.engine.StoreSpec::isPersistent);
        try (TestDriver driver = TestDriver.builder(topology).partitions("lines", 2).build()) {
            driver.input("lines").send("a", "x y x", 100L).send("b", "y", 200L).send("c", "x", 1_500L);
            io.sluice.engine.ReadOnlyWindowStore<String, Long> store = driver.store("windowed-words");
            assertThat(store.fetch("x", 0)).isEqualTo(2L);
            assertThat(store.fetch("y", 0)).isEqualTo(2L);
            assertThat(store.fetch("x", 1_000)).isEqualTo(1L);
        }
    }

    @Test
    void shouldAggregateJsonRecordsPerKey() {
        Pipeline p = Pipeline.named("card-spend");
        p.stream("payments", Serdes.json(Payment.class))
                .filter((k, pay) -> pay.cents() > 0)
                .groupBy((k, pay) -> pay.card(), Serdes.string())
                .aggregate("spend", Serdes.json(Spend.class), Spend::zero, Spend::plus)
                .toStream()
                .to("spend");
        try (TestDriver driver = TestDriver.builder(p.build()).partitions("payments", 2).build()) {
            driver.input("payments").send(null, new Payment("c1", 500)).send(null, new Payment("c2", 100))
                    .send(null, new Payment("c1", 250)).send(null, new Payment("c1", -5));
            assertThat(driver.<String, Spend>output("spend").latest())
                    .containsEntry("c1", new Spend(750, 2)).containsEntry("c2", new Spend(100, 1));
        }
    }

    @Test
    void shouldReduceByKeyWithoutRepartitioning() {
        Pipeline p = Pipeline.named("max");
        p.stream("readings", Serdes.longs()).groupByKey().reduce("max-reading", Math::max).toStream().to("max");
        Topology topology = p.build();
        assertThat(topology.internalTopics()).containsExactly("max-max-reading-changelog");
        try (TestDriver driver = TestDriver.of(topology)) {
            driver.input("readings").send("s1", 5L).send("s1", 3L).send("s2", 1L).send("s1", 9L);
            assertThat(driver.<String, Long>output("max").values()).containsExactly(5L, 5L, 1L, 9L);
        }
    }

    @Test
    void shouldKeepStoreAndTopicNamesWhenAStatelessStepIsAdded() {
        Pipeline before = Pipeline.named("job");
        before.stream("in", Serdes.string()).groupBy((k, v) -> v, Serdes.string()).count("per-value");
        Pipeline after = Pipeline.named("job");
        after.stream("in", Serdes.string()).filter((k, v) -> true).mapValues(String::trim)
                .withValueSerde(Serdes.string()).groupBy((k, v) -> v, Serdes.string()).count("per-value");
        assertThat(after.build().internalTopics()).isEqualTo(before.build().internalTopics())
                .containsExactly("job-per-value-changelog", "job-per-value-repartition");
    }

    @Test
    void shouldDropAndCountRecordsWithoutAKey() {
        Pipeline p = Pipeline.named("nulls");
        p.stream("in", Serdes.string()).groupByKey().count("counts");
        try (TestDriver driver = TestDriver.of(p.build())) {
            driver.input("in").send(null, "x").send("k", "y");
            assertThat(driver.metrics()).containsEntry("dropped-null-key-or-value{operator=counts}", 1L);
            assertThat(driver.<io.sluice.engine.ReadOnlyKeyValueStore<String, Long>>store("counts").get("k"))
                    .isEqualTo(1L);
        }
    }
}
