package io.sluice.dsl;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.engine.KeyValue;
import io.sluice.engine.ReadOnlyKeyValueStore;
import io.sluice.engine.Serdes;
import io.sluice.engine.TestDriver;
import io.sluice.engine.TestInput;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class TableTest {

    @Test
    void shouldDeleteAKeyOnATombstone() {
        Pipeline p = Pipeline.named("tables");
        p.table("users", Serdes.string(), Serdes.string()).toStream().to("users-out");
        try (TestDriver driver = TestDriver.of(p.build())) {
            TestInput<String, String> in = driver.input("users");
            in.send("u1", "alice").send("u2", "bob").send("u1", null);
            ReadOnlyKeyValueStore<String, String> store = driver.store("users");
            assertThat(store.get("u1")).isNull();
            assertThat(store.get("u2")).isEqualTo("bob");
            assertThat(driver.<String, String>output("users-out").values()).containsExactly("alice", "bob", null);
            // a tombstone for a key that does not exist changes nothing and emits nothing
            in.send("nobody", null);
            assertThat(driver.<String, String>output("users-out").size()).isEqualTo(3);
        }
    }

    @Test
    void shouldTurnAValueThatStopsMatchingAFilterIntoADeletion() {
        Pipeline p = Pipeline.named("table-filter");
        p.table("scores", Serdes.string(), Serdes.longs())
                .filter((k, v) -> v >= 10)
                .mapValues(v -> "score " + v)
                .withValueSerde(Serdes.string())
                .toStream().to("high");
        try (TestDriver driver = TestDriver.of(p.build())) {
            driver.input("scores").send("a", 5L).send("b", 12L).send("b", 3L).send("a", 20L);
            assertThat(driver.<String, String>output("high").keyValues()).containsExactly(
                    KeyValue.of("b", "score 12"), KeyValue.of("b", null), KeyValue.of("a", "score 20"));
        }
    }

    @Test
    void shouldSubtractOldValuesWhenATableIsRegrouped() {
        Pipeline p = Pipeline.named("regions");
        p.table("user-region", Serdes.string(), Serdes.string())
                .groupBy((user, region) -> KeyValue.of(region, user), Serdes.string(), Serdes.string())
                .count("users-per-region")
                .toStream().to("region-counts");
        try (TestDriver driver = TestDriver.builder(p.build()).partitions("user-region", 3).build()) {
            TestInput<String, String> in = driver.input("user-region");
            in.send("alice", "eu").send("bob", "eu").send("carol", "us");
            in.send("alice", "us");   // moves: eu 2 -> 1, us 1 -> 2
            in.send("bob", null);     // leaves: eu 1 -> 0
            ReadOnlyKeyValueStore<String, Long> store = driver.store("users-per-region");
            assertThat(store.get("eu")).isEqualTo(0L);
            assertThat(store.get("us")).isEqualTo(2L);
        }
    }

    @Test
    void shouldReduceATableWithAdderAndSubtractor() {
        Pipeline p = Pipeline.named("totals");
        p.table("balances", Serdes.string(), Serdes.longs())
                .groupBy((account, balance) -> KeyValue.of("all", balance), Serdes.string(), Serdes.longs())
                .reduce("total", Long::sum, (a, b) -> a - b)
                .toStream().to("total");
        try (TestDriver driver = TestDriver.of(p.build())) {
            driver.input("balances").send("x", 10L).send("y", 5L).send("x", 3L);
            assertThat(driver.<String, Long>output("total").latest()).containsEntry("all", 8L);
            assertThat(Arrays.asList(driver.<String, Long>output("total").values().toArray()))
                    .endsWith(8L);
        }
    }
}
