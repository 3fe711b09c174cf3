package io.sluice.samples;

import io.sluice.dsl.Pipeline;
import io.sluice.dsl.Windows;
import io.sluice.engine.Serdes;
import io.sluice.engine.Topology;
import java.time.Duration;

/**
 * Card spend alerts, the README's example: payments are re-keyed by card, summed per card and minute, and the final
 * total of each minute that exceeds a limit is written to {@value #ALERTS_TOPIC}.
 */
public final class CardSpend {
    public static final String PAYMENTS_TOPIC = "payments";
    public static final String ALERTS_TOPIC = "spend-alerts";
    public static final String STORE = "spend-per-minute";

    /** A payment of {@code cents} with card {@code card}. */
    public record Payment(String card, long cents) {
    }

    /** What a card spent in a window. */
    public record Spend(long cents, int payments) {
        public static Spend zero() {
            return new Spend(0, 0);
        }

        public Spend plus(Payment p) {
            return new Spend(cents + p.cents(), payments + 1);
        }
    }

    private CardSpend() {
    }

    /** Alerts for minutes in which a card spent more than {@code limitCents}. */
    public static Topology topology(long limitCents) {
        Pipeline p = Pipeline.named("card-spend");
        p.stream(PAYMENTS_TOPIC, Serdes.json(Payment.class))
                .filter((key, payment) -> payment.cents() > 0)
                .groupBy((key, payment) -> payment.card(), Serdes.string())
                .windowedBy(Windows.tumbling(Duration.ofMinutes(1)).grace(Duration.ofSeconds(10)))
                .aggregate(STORE, Serdes.json(Spend.class), Spend::zero, Spend::plus)
                .suppressUntilWindowCloses("final-spend")
                .toStream()
                .filter((window, spend) -> spend.cents() > limitCents)
                .to(ALERTS_TOPIC);
        return p.build();
    }
}
