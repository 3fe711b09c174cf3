package io.sluice.samples;

import io.sluice.dsl.Pipeline;
import io.sluice.engine.Serdes;
import io.sluice.engine.Topology;

/**
 * Running totals per customer, the connector pipeline's job: orders (JSON, from a generator, a PostgreSQL table, or
 * anything that writes {@value #ORDERS_TOPIC}) are re-keyed by customer and summed; every new total goes to
 * {@value #TOTALS_TOPIC}, keyed by customer, where a file or HTTP sink picks it up. See samples/pipeline/.
 */
public final class OrderTotals {
    public static final String ORDERS_TOPIC = "orders";
    public static final String TOTALS_TOPIC = "order-totals";

    /** An order: who placed it, and its amount. Other fields (an id, an item) are ignored. */
    public record Order(String customer, long amount) {
    }

    /** A customer's orders so far. */
    public record Total(long orders, long amount) {
        public static Total zero() {
            return new Total(0, 0);
        }

        public Total plus(Order order) {
            return new Total(orders + 1, amount + order.amount());
        }
    }

    private OrderTotals() {
    }

    public static Topology topology() {
        Pipeline p = Pipeline.named("order-totals");
        p.stream(ORDERS_TOPIC, Serdes.json(Order.class))
                .filter((key, order) -> order.customer() != null)
                .groupBy((key, order) -> order.customer(), Serdes.string())
                .aggregate("totals-per-customer", Serdes.json(Total.class), Total::zero, Total::plus)
                .toStream()
                .to(TOTALS_TOPIC);
        return p.build();
    }
}
