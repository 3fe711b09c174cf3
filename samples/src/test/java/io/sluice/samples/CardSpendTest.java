package io.sluice.samples;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.engine.KeyValue;
import io.sluice.engine.ReadOnlyWindowStore;
import io.sluice.engine.TestDriver;
import io.sluice.engine.TestInput;
import io.sluice.engine.Windowed;
import io.sluice.samples.CardSpend.Payment;
import io.sluice.samples.CardSpend.Spend;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class CardSpendTest {
    private static final long MINUTE = 60_000;

    @Test
    void shouldAlertOnceWithTheFinalTotalOfEachMinuteOverTheLimit() {
        try (TestDriver driver = TestDriver.builder(CardSpend.topology(1_000_00)).partitions("payments", 4).build()) {
            TestInput<String, Payment> in = driver.input(CardSpend.PAYMENTS_TOPIC);
            long t0 = Instant.parse("2026-01-01T12:00:00Z").toEpochMilli();
            in.send("p-1", new Payment("card-7", 600_00), t0 + 5_000);
            in.send("p-2", new Payment("card-7", 500_00), t0 + 30_000);   // card-7: 1,100.00 in the minute
            in.send("p-3", new Payment("card-9", 900_00), t0 + 40_000);   // card-9: under the limit
            in.send("p-4", new Payment("card-7", -50_00), t0 + 45_000);   // refunds are filtered out
            in.send("p-5", new Payment("card-9", 10_00), t0 + MINUTE + 5_000);
            assertThat(driver.output(CardSpend.ALERTS_TOPIC).isEmpty()).as("the minute is not final yet").isTrue();
            in.send("p-6", new Payment("card-9", 10_00), t0 + MINUTE + 10_000);
            // Stream time is per task, as in Kafka Streams: card-9's records do not close card-7's minute, which is
            // on another partition of the repartition topic. The next record for card-7 does.
            assertThat(driver.output(CardSpend.ALERTS_TOPIC).isEmpty()).isTrue();
            in.send("p-7", new Payment("card-7", 1_00), t0 + MINUTE + 10_000);
            assertThat(driver.<Windowed<String>, Spend>output(CardSpend.ALERTS_TOPIC).keyValues()).containsExactly(
                    KeyValue.of(Windowed.of("card-7", t0, t0 + MINUTE), new Spend(1_100_00, 2)));
            ReadOnlyWindowStore<String, Spend> store = driver.store(CardSpend.STORE);
            assertThat(store.fetch("card-9", t0)).isEqualTo(new Spend(900_00, 1));
        }
    }
}
