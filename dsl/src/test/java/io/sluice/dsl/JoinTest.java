package io.sluice.dsl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.engine.KeyValue;
import io.sluice.engine.Serdes;
import io.sluice.engine.TestDriver;
import io.sluice.engine.TestInput;
import io.sluice.engine.TestOutput;
import io.sluice.engine.Topology;
import io.sluice.engine.TopologyException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class JoinTest {
    private static final long S = 1_000;

    private static Topology streamJoin(String kind) {
        Pipeline p = Pipeline.named("stream-join");
        Stream<String, String> left = p.stream("left", Serdes.string());
        Stream<String, String> right = p.stream("right", Serdes.string());
        JoinWindows window = JoinWindows.within(Duration.ofSeconds(10)).grace(Duration.ofSeconds(2));
        Stream<String, String> joined = switch (kind) {
            case "inner" -> left.join(right, "lr", window, (l, r) -> l + "+" + r);
            case "left" -> left.leftJoin(right, "lr", window, (l, r) -> l + "+" + r);
            default -> left.outerJoin(right, "lr", window, (l, r) -> l + "+" + r);
        };
        joined.withValueSerde(Serdes.string()).to("joined");
        return p.build();
    }

    /**
     * l1 and r1 match although r1 arrives out of order; l2 matches r0; r2 never finds a partner; a record whose
     * own window has closed is late.
     */
    private static TestOutput<String, String> runJoin(TestDriver driver) {
        TestInput<String, String> left = driver.input("left");
        TestInput<String, String> right = driver.input("right");
        left.send("k", "l1", 10 * S);
        right.send("k", "r0", 21 * S);     // 11 s after l1: no match; l1's window is open until 22 s
        right.send("k", "r1", 15 * S);     // out of order, 5 s from l1: joins it
        left.send("k", "l2", 28 * S);      // 7 s from r0: joins it; 13 s from r1: does not
        right.send("k", "r2", 50 * S);
        right.send("other", "x", 75 * S);  // stream time 75 s: nothing can join r2 any more (50 + 10 + 10 + 2)
        left.send("k", "late", 5 * S);     // its window closed long ago: dropped
        assertThat(driver.metrics()).containsEntry("dropped-late-records{operator=lr-this-join}", 1L);
        return driver.output("joined");
    }

    @Test
    void shouldJoinRecordsWithinTheWindowInBothDirections() {
        try (TestDriver driver = TestDriver.of(streamJoin("inner"))) {
            assertThat(runJoin(driver).values()).containsExactly("l1+r1", "l2+r0");
        }
    }

    @Test
    void shouldEmitUnmatchedLeftRecordsOnlyWhenTheirWindowCloses() {
        try (TestDriver driver = TestDriver.of(streamJoin("left"))) {
            TestInput<String, String> left = driver.input("left");
            left.send("k", "alone", 0L);
            assertThat(driver.<String, String>output("joined").isEmpty()).isTrue();
            // "alone" could still be joined by a right record at 10 s, which is not late until 22 s
            left.send("k", "later", 22 * S);
            assertThat(driver.<String, String>output("joined").isEmpty()).isTrue();
            left.send("k", "much-later", 23 * S);
            assertThat(driver.<String, String>output("joined").values()).containsExactly("alone+null");
        }
        try (TestDriver driver = TestDriver.of(streamJoin("left"))) {
            assertThat(runJoin(driver).values()).containsExactly("l1+r1", "l2+r0");
        }
    }

    @Test
    void shouldNeverEmitARecordBothUnmatchedAndMatched() {
        try (TestDriver driver = TestDriver.of(streamJoin("left"))) {
            driver.input("left").send("k", "a", 100 * S);
            driver.input("left").send("k", "b", 111 * S);   // a's own window (110 s) has closed ...
            driver.input("right").send("k", "x", 105 * S);  // ... but x is not late (105 + 10 + 2 >= 111) and joins a
            driver.input("left").send("k", "c", 200 * S);   // long after: a and b were both matched
            assertThat(driver.<String, String>output("joined").values()).containsExactly("a+x", "b+x");
        }
    }

    @Test
    void shouldEmitUnmatchedRecordsOfBothSidesInAnOuterJoin() {
        try (TestDriver driver = TestDriver.of(streamJoin("outer"))) {
            assertThat(runJoin(driver).values()).containsExactlyInAnyOrder("l1+r1", "l2+r0", "null+r2");
        }
    }

    @Test
    void shouldJoinAStreamWithTheTablesCurrentValue() {
        Pipeline p = Pipeline.named("enrich");
        Table<String, String> products = p.table("products", Serdes.string(), Serdes.string());
        Stream<String, Long> orders = p.stream("orders", Serdes.longs());
        orders.join(products, (qty, name) -> qty + " x " + name).withValueSerde(Serdes.string()).to("inner");
        orders.leftJoin(products, (qty, name) -> qty + " x " + name).withValueSerde(Serdes.string()).to("left");
        try (TestDriver driver = TestDriver.builder(p.build()).partitions("products", 2).partitions("orders", 2)
                .build()) {
            driver.input("orders").send("p1", 1L);
            driver.input("products").send("p1", "pen");
            driver.input("orders").send("p1", 2L);
            driver.input("products").send("p1", "pencil");
            driver.input("orders").send("p1", 3L);
            driver.input("products").send("p1", null);
            driver.input("orders").send("p1", 4L);
            assertThat(driver.<String, String>output("inner").values()).containsExactly("2 x pen", "3 x pencil");
            assertThat(driver.<String, String>output("left").values())
                    .containsExactly("1 x null", "2 x pen", "3 x pencil", "4 x null");
        }
    }

    @Test
    void shouldNameTheTopicsAndPartitionCountsThatAreNotCoPartitioned() {
        Pipeline p = Pipeline.named("enrich");
        Table<String, String> products = p.table("products", Serdes.string(), Serdes.string());
        p.stream("orders", Serdes.longs()).join(products, (q, n) -> q + n).withValueSerde(Serdes.string())
                .to("out");
        Topology topology = p.build();
        assertThatThrownBy(() -> TestDriver.builder(topology).partitions("orders", 3).partitions("products", 2)
                .build()).isInstanceOf(TopologyException.class)
                .hasMessageContaining("not co-partitioned")
                .hasMessageContaining("orders=3").hasMessageContaining("products=2");
    }

    @Test
    void shouldJoinTablesInnerLeftAndOuter() {
        Pipeline p = Pipeline.named("table-joins");
        Table<String, String> a = p.table("a", Serdes.string(), Serdes.string());
        Table<String, String> b = p.table("b", Serdes.string(), Serdes.string());
        a.join(b, "inner", (x, y) -> x + "|" + y).withValueSerde(Serdes.string()).toStream().to("inner");
        a.leftJoin(b, "left", (x, y) -> x + "|" + y).withValueSerde(Serdes.string()).toStream().to("left");
        a.outerJoin(b, "outer", (x, y) -> x + "|" + y).withValueSerde(Serdes.string()).toStream().to("outer");
        try (TestDriver driver = TestDriver.of(p.build())) {
            driver.input("a").send("k", "a1");
            driver.input("b").send("k", "b1");
            driver.input("b").send("j", "b2");
            driver.input("a").send("k", null);
            assertThat(driver.<String, String>output("inner").keyValues())
                    .containsExactly(KeyValue.of("k", "a1|b1"), KeyValue.of("k", null));
            assertThat(driver.<String, String>output("left").keyValues())
                    .containsExactly(KeyValue.of("k", "a1|null"), KeyValue.of("k", "a1|b1"), KeyValue.of("k", null));
            assertThat(driver.<String, String>output("outer").latest())
                    .containsOnly(java.util.Map.entry("k", "null|b1"), java.util.Map.entry("j", "null|b2"));
        }
    }
}
