package io.sluice.dsl;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.engine.KeyValue;
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

    private static TestDriver withCache(Topology topology, long maxRecords) {
        return TestDriver.builder(topology)
                .config(io.sluice.engine.JobConfig.defaults().with(io.sluice.engine.JobConfig.CACHE_MAX_RECORDS,
                        maxRecords))
                .build();
    }

    @Test
    void shouldForwardAndLogOneUpdatePerKeyPerCommitWithTheCache() {
        try (TestDriver driver = withCache(wordCount(), 100)) {
            driver.input("lines").send("doc-1", "x x y x");
            assertThat(driver.<String, Long>output("counts").keyValues())
                    .containsExactlyInAnyOrder(KeyValue.of("x", 3L), KeyValue.of("y", 1L));
            driver.input("lines").send("doc-2", "x");
            assertThat(driver.<String, Long>output("counts").keyValues()).hasSize(3).endsWith(KeyValue.of("x", 4L));
            ReadOnlyKeyValueStore<String, Long> store = driver.store("word-counts");
            assertThat(store.get("x")).isEqualTo(4L);
            assertThat(store.get("y")).isEqualTo(1L);
            List<Long> logged = driver.records("word-count-word-counts-changelog").stream()
                    .map(r -> Serdes.longs().deserialize(r.value())).toList();
            assertThat(logged).containsExactlyInAnyOrder(3L, 1L, 4L);
        }
    }

    /** With the cache, a re-keyed count ships each key once per commit with its number of records. */
    @Test
    void shouldCountAheadOfTheRepartitionTopic() {
        for (long cache : new long[] {0, 100}) {
            try (TestDriver driver = withCache(wordCount(), cache)) {
                driver.input("lines").send("doc-1", "x x y x");
                List<KeyValue<String, Long>> crossed = driver.records("word-count-word-counts-repartition").stream()
                        .map(r -> KeyValue.of(r.keyAsString(), Serdes.longs().deserialize(r.value()))).toList();
                if (cache == 0) {
                    assertThat(crossed).containsExactly(KeyValue.of("x", 1L), KeyValue.of("x", 1L),
                            KeyValue.of("y", 1L), KeyValue.of("x", 1L));
                } else {
                    assertThat(crossed).containsExactly(KeyValue.of("x", 3L), KeyValue.of("y", 1L));
                }
                assertThat(driver.<ReadOnlyKeyValueStore<String, Long>>store("word-counts").get("x")).isEqualTo(3L);
            }
        }
    }

    @Test
    void shouldDropNullValuesAheadOfTheRepartitionTopic() {
        Pipeline p = Pipeline.named("by-value");
        p.stream("in", Serdes.string())
                .groupBy((k, v) -> k + "!", Serdes.string())
                .count("counts");
        try (TestDriver driver = withCache(p.build(), 100)) {
            driver.input("in").send("k", null).send("k", "y");
            assertThat(driver.metrics()).containsEntry("dropped-null-key-or-value{operator=counts-ahead}", 1L);
            assertThat(driver.<ReadOnlyKeyValueStore<String, Long>>store("counts").get("k!")).isEqualTo(1L);
        }
    }

    @Test
    void shouldEmitTheOldestKeyWhenTheCacheIsFull() {
        try (TestDriver driver = withCache(wordCount(), 1)) {
            driver.input("lines").send("doc-1", "x y x z");
            // x held; y evicts x=1; x evicts y=1; z evicts x=2; the commit emits z=1
            assertThat(driver.<String, Long>output("counts").keyValues()).containsExactly(KeyValue.of("x", 1L),
                    KeyValue.of("y", 1L), KeyValue.of("x", 2L), KeyValue.of("z", 1L));
            ReadOnlyKeyValueStore<String, Long> store = driver.store("word-counts");
            assertThat(store.get("x")).isEqualTo(2L);
            assertThat(store.size()).isEqualTo(3);
        }
    }

    @Test
    void shouldGiveTheSameResultsWithAndWithoutTheCache() {
        String text = "the quick brown fox jumps over the lazy dog and the dog sleeps";
        Pipeline p = Pipeline.named("regions");
        p.table("user-region", Serdes.string(), Serdes.string())
                .groupBy((user, region) -> KeyValue.of(region, user), Serdes.string(), Serdes.string())
                .count("users-per-region")
                .toStream().to("region-counts");
        Topology regions = p.build();
        Pipeline w = Pipeline.named("windowed");
        w.stream("lines", Serdes.string())
                .flatMapValues(line -> List.of(line.split(" ")))
                .withValueSerde(Serdes.string())
                .groupBy((k, word) -> word, Serdes.string())
                .windowedBy(Windows.tumbling(java.time.Duration.ofSeconds(1)).noGrace())
                .count("windowed-words")
                .toStream()
                .selectKey((window, count) -> window.key() + "@" + window.window().start())
                .withKeySerde(Serdes.string())
                .to("windowed-counts");
        Topology windowed = w.build();
        for (long cache : new long[] {0, 2, 1_000}) {
            try (TestDriver driver = withCache(wordCount(), cache)) {
                driver.input("lines").send("a", text).send("b", text);
                assertThat(driver.<String, Long>output("counts").latest()).containsEntry("the", 6L)
                        .containsEntry("dog", 4L).containsEntry("fox", 2L).hasSize(10);
            }
            try (TestDriver driver = withCache(regions, cache)) {
                driver.input("user-region").send("alice", "eu").send("bob", "eu").send("alice", "us")
                        .send("bob", null);
                assertThat(driver.<String, Long>output("region-counts").latest())
                        .containsEntry("eu", 0L).containsEntry("us", 1L);
                assertThat(driver.<ReadOnlyKeyValueStore<String, Long>>store("users-per-region").get("us"))
                        .isEqualTo(1L);
            }
            try (TestDriver driver = withCache(windowed, cache)) {
                driver.input("lines").send("a", "x y x", 100L).send("b", "x", 900L).send("c", "x", 1_100L);
                assertThat(driver.<String, Long>output("windowed-counts").latest()).containsEntry("x@0", 3L)
                        .containsEntry("y@0", 1L).containsEntry("x@1000", 1L).hasSize(3);
            }
        }
    }

    /** A join that looks up an aggregated table sees every update, also those the cache holds back. */
    @Test
    void shouldLetJoinsSeeUpdatesTheCacheHoldsBack() {
        Pipeline p = Pipeline.named("clicks");
        Stream<String, String> pages = p.stream("clicks", Serdes.string())
                .flatMapValues(line -> List.of(line.split(" ")))
                .withValueSerde(Serdes.string());
        Table<String, Long> counts = pages.groupByKey().count("clicks-per-user");
        pages.join(counts, (page, count) -> page + "=" + count).withValueSerde(Serdes.string()).to("numbered");
        try (TestDriver driver = withCache(p.build(), 100)) {
            driver.input("clicks").send("u", "a b c");
            driver.input("clicks").send("u", "d");
            assertThat(driver.<String, String>output("numbered").values()).containsExactly("a=1", "b=2", "c=3",
                    "d=4");
        }
    }
}
