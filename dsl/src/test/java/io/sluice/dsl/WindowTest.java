package io.sluice.dsl;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.engine.KeyValue;
import io.sluice.engine.Record;
import io.sluice.engine.Serdes;
import io.sluice.engine.TestDriver;
import io.sluice.engine.TestInput;
import io.sluice.engine.TestOutput;
import io.sluice.engine.Windowed;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class WindowTest {
    private static final Duration TEN_SECONDS = Duration.ofSeconds(10);

    private static TestDriver windowedCount(Windows windows, boolean suppress) {
        Pipeline p = Pipeline.named("windows");
        Table<Windowed<String>, Long> counts = p.stream("events", Serdes.string()).groupByKey()
                .windowedBy(windows).count("counts");
        if (suppress) {
            counts = counts.suppressUntilWindowCloses("final-counts");
        }
        counts.toStream().to("out");
        return TestDriver.of(p.build());
    }

    @Test
    void shouldPutARecordExactlyAtWindowEndIntoTheNextWindow() {
        try (TestDriver driver = windowedCount(Windows.tumbling(TEN_SECONDS).noGrace(), false)) {
            TestInput<String, String> in = driver.input("events");
            in.send("k", "a", 0L).send("k", "b", 9_999L).send("k", "c", 10_000L);
            TestOutput<Windowed<String>, Long> out = driver.output("out");
            assertThat(out.keyValues()).containsExactly(
                    KeyValue.of(Windowed.of("k", 0, 10_000), 1L),
                    KeyValue.of(Windowed.of("k", 0, 10_000), 2L),
                    KeyValue.of(Windowed.of("k", 10_000, 20_000), 1L));
        }
    }

    @Test
    void shouldAcceptOutOfOrderRecordsWithinGraceAndDropLaterOnes() {
        try (TestDriver driver = windowedCount(Windows.tumbling(TEN_SECONDS).grace(Duration.ofSeconds(5)), false)) {
            TestInput<String, String> in = driver.input("events");
            in.send("k", "a", 1_000L);
            in.send("k", "b", 14_000L);   // stream time 14 s: window [0,10) still open until 15 s
            in.send("k", "late-ok", 9_000L);
            in.send("k", "c", 15_000L);   // stream time 15 s closes [0,10)
            in.send("k", "too-late", 9_500L);
            TestOutput<Windowed<String>, Long> out = driver.output("out");
            assertThat(out.latest()).containsEntry(Windowed.of("k", 0, 10_000), 2L)
                    .containsEntry(Windowed.of("k", 10_000, 20_000), 2L);
            assertThat(driver.metrics()).containsEntry("dropped-late-records{operator=counts}", 1L);
        }
    }

    @Test
    void shouldCountARecordInEveryOverlappingHoppingWindow() {
        try (TestDriver driver = windowedCount(Windows.hopping(TEN_SECONDS, Duration.ofSeconds(5)).noGrace(),
                false)) {
            driver.input("events").send("k", "a", 7_000L);
            TestOutput<Windowed<String>, Long> out = driver.output("out");
            assertThat(out.keyValues()).containsExactly(
                    KeyValue.of(Windowed.of("k", 5_000, 15_000), 1L),
                    KeyValue.of(Windowed.of("k", 0, 10_000), 1L));
        }
    }

    @Test
    void shouldEmitOnlyFinalResultsWhenSuppressed() {
        try (TestDriver driver = windowedCount(Windows.tumbling(TEN_SECONDS).grace(Duration.ofSeconds(2)), true)) {
            TestInput<String, String> in = driver.input("events");
            in.send("a", "1", 1_000L).send("a", "2", 2_000L).send("b", "3", 3_000L).send("a", "4", 11_000L);
            TestOutput<Windowed<String>, Long> out = driver.output("out");
            assertThat(out.isEmpty()).isTrue();
            in.send("a", "5", 12_000L); // stream time 12 s = window end 10 s + grace 2 s: [0,10) is final
            assertThat(out.keyValues()).containsExactlyInAnyOrder(
                    KeyValue.of(Windowed.of("a", 0, 10_000), 2L),
                    KeyValue.of(Windowed.of("b", 0, 10_000), 1L));
            in.send("a", "6", 22_000L);
            assertThat(out.keyValues()).hasSize(3).contains(KeyValue.of(Windowed.of("a", 10_000, 20_000), 2L));
        }
    }

    @Test
    void shouldAggregateSlidingWindowsAsRecordsArriveInAnyOrder() {
        Pipeline p = Pipeline.named("sliding");
        p.stream("events", Serdes.string()).groupByKey()
                .windowedBy(SlidingWindows.withTimeDifference(TEN_SECONDS).grace(Duration.ofSeconds(30)))
                .count("sliding-counts").toStream().to("out");
        try (TestDriver driver = TestDriver.of(p.build())) {
            TestInput<String, String> in = driver.input("events");
            in.send("k", "a", 10_000L).send("k", "b", 15_000L).send("k", "c", 30_000L).send("k", "late", 12_000L);
            TestOutput<Windowed<String>, Long> out = driver.output("out");
            // Windows [t-10s, t] for each record, and [t+1ms, t+10s+1ms] after each record that has later ones.
            assertThat(out.latest()).containsOnly(
                    java.util.Map.entry(Windowed.of("k", 0, 10_000), 1L),         // a
                    java.util.Map.entry(Windowed.of("k", 5_000, 15_000), 3L),     // a, late, b
                    java.util.Map.entry(Windowed.of("k", 10_001, 20_001), 2L),    // after a: late, b
                    java.util.Map.entry(Windowed.of("k", 20_000, 30_000), 1L),    // c
                    java.util.Map.entry(Windowed.of("k", 2_000, 12_000), 2L),     // late's own: a, late
                    java.util.Map.entry(Windowed.of("k", 12_001, 22_001), 1L));   // after late: b
        }
    }

    @Test
    void shouldEmitOneFinalResultPerSessionEvenWhenARecordArrivesAtTheLastMoment() {
        Pipeline p = Pipeline.named("final-sessions");
        p.stream("clicks", Serdes.string()).groupByKey()
                .windowedBy(SessionWindows.inactivityGap(Duration.ofMillis(10)).noGrace())
                .count("sessions").suppressUntilWindowCloses("final-sessions").toStream().to("out");
        try (TestDriver driver = TestDriver.of(p.build())) {
            TestInput<String, String> in = driver.input("clicks");
            in.send("k", "a", 0L).send("j", "b", 10L);   // stream time 10: k's session [0,0] can still grow
            in.send("k", "c", 10L);                       // and does: [0,10]
            in.send("j", "d", 21L);                       // 10 + gap 10 + 1: final
            TestOutput<Windowed<String>, Long> out = driver.output("out");
            assertThat(out.keyValues()).filteredOn(kv -> kv.key().key().equals("k"))
                    .containsExactly(KeyValue.of(Windowed.of("k", 0, 10), 2L));
        }
    }

    @Test
    void shouldNotMergeIntoASessionThatClosed() {
        Pipeline p = Pipeline.named("sessions");
        p.stream("clicks", Serdes.string()).groupByKey()
                .windowedBy(SessionWindows.inactivityGap(Duration.ofMinutes(5)).noGrace())
                .count("sessions").toStream().to("out");
        try (TestDriver driver = TestDriver.of(p.build())) {
            long minute = 60_000;
            // The session [0,0] closed at stream time 5 min (end + gap), so the bridge only extends the later one.
            driver.input("clicks").send("u", "a", 0L).send("u", "b", 10 * minute).send("u", "bridge", 5 * minute);
            TestOutput<Windowed<String>, Long> out = driver.output("out");
            assertThat(out.latest()).containsOnly(
                    java.util.Map.entry(Windowed.of("u", 0, 0), 1L),
                    java.util.Map.entry(Windowed.of("u", 5 * minute, 10 * minute), 2L));
        }
    }

    @Test
    void shouldMergeSessionsThatARecordBridges() {
        Pipeline p = Pipeline.named("sessions");
        p.stream("clicks", Serdes.string()).groupByKey()
                .windowedBy(SessionWindows.inactivityGap(Duration.ofMinutes(5)).grace(Duration.ofMinutes(10)))
                .count("sessions").toStream().to("out");
        try (TestDriver driver = TestDriver.of(p.build())) {
            TestInput<String, String> in = driver.input("clicks");
            long minute = 60_000;
            in.send("u", "a", 0L).send("u", "b", 10 * minute);
            TestOutput<Windowed<String>, Long> out = driver.output("out");
            assertThat(out.latest()).containsOnly(
                    java.util.Map.entry(Windowed.of("u", 0, 0), 1L),
                    java.util.Map.entry(Windowed.of("u", 10 * minute, 10 * minute), 1L));
            in.send("u", "bridge", 5 * minute);
            List<Record<Windowed<String>, Long>> records = out.records();
            assertThat(records.subList(2, records.size())).extracting(Record::key, Record::value).containsExactly(
                    org.assertj.core.groups.Tuple.tuple(Windowed.of("u", 0, 0), null),
                    org.assertj.core.groups.Tuple.tuple(Windowed.of("u", 10 * minute, 10 * minute), null),
                    org.assertj.core.groups.Tuple.tuple(Windowed.of("u", 0, 10 * minute), 3L));
            assertThat(out.latest()).containsOnly(java.util.Map.entry(Windowed.of("u", 0, 10 * minute), 3L));
        }
    }
}
