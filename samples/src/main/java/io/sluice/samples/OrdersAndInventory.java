package io.sluice.samples;

import static io.sluice.samples.SampleRecords.json;

import io.sluice.broker.ProducerRecord;
import io.sluice.dsl.Pipeline;
import io.sluice.dsl.Stream;
import io.sluice.dsl.Table;
import io.sluice.engine.Serdes;
import io.sluice.engine.Topology;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Orders and inventory: each order is joined with the inventory table to name its item, the quantity ordered per
 * product is summed, the stock table follows what was received less what was ordered, and a product whose stock
 * falls to zero or below raises an out-of-stock alert (again for each further order while it stays there).
 *
 * <pre>
 *   inventory (product → Item) ─────────────┬──────────────────────────────► join ─► order-lines
 *   orders (id → Order) ─ key by product ─┬─┘                                 ▲
 *                                         └─ sum quantity per product ─ ordered │
 *   inventory ⟕ ordered ─► stock-levels ─ remaining ≤ 0 ─► out-of-stock-alerts
 * </pre>
 */
public final class OrdersAndInventory implements Sample {
    public static final String INVENTORY = "inventory";
    public static final String ORDERS = "orders";
    public static final String ORDER_LINES = "order-lines";
    public static final String STOCK_LEVELS = "stock-levels";
    public static final String ALERTS = "out-of-stock-alerts";

    /** A product as the warehouse has it: its name and the units received. */
    public record Item(String name, long received) {
    }

    public record Order(String orderId, String product, long quantity) {
    }

    /** An order with the name of what was ordered. */
    public record OrderLine(String orderId, String product, String name, long quantity) {
    }

    /** What is left of a product. */
    public record Stock(String name, long received, long ordered, long remaining) {
    }

    public record OutOfStock(String product, String name, long shortBy) {
    }

    @Override
    public Topology topology(Map<String, String> settings) {
        return topology();
    }

    public static Topology topology() {
        Pipeline p = Pipeline.named("orders-and-inventory");
        Table<String, Item> inventory = p.table(INVENTORY, Serdes.string(), Serdes.json(Item.class));
        Stream<String, Order> byProduct = p.stream(ORDERS, Serdes.json(Order.class))
                .selectKey((orderId, order) -> order.product())
                .withKeySerde(Serdes.string())
                .repartition("orders-by-product", 2); // as many partitions as the inventory: the join needs it

        byProduct.join(inventory, (order, item) -> new OrderLine(order.orderId(), order.product(), item.name(),
                        order.quantity()))
                .withValueSerde(Serdes.json(OrderLine.class))
                .to(ORDER_LINES);

        Table<String, Long> ordered = byProduct.groupByKey()
                .aggregate("ordered", Serdes.longs(), () -> 0L, (sum, order) -> sum + order.quantity());
        Table<String, Stock> stock = inventory
                .leftJoin(ordered, "stock", (item, sum) -> {
                    long units = sum == null ? 0 : sum;
                    return new Stock(item.name(), item.received(), units, item.received() - units);
                })
                .withValueSerde(Serdes.json(Stock.class));
        stock.toStream().to(STOCK_LEVELS);
        stock.toStream()
                .filter((product, level) -> level != null && level.remaining() <= 0)
                .map((product, level) -> io.sluice.engine.KeyValue.of(product,
                        new OutOfStock(product, level.name(), -level.remaining())))
                .withKeySerde(Serdes.string())
                .withValueSerde(Serdes.json(OutOfStock.class))
                .to(ALERTS);
        return p.build();
    }

    @Override
    public String name() {
        return "orders";
    }

    @Override
    public String description() {
        return "orders joined with an inventory table; stock follows the orders; out-of-stock alerts";
    }

    @Override
    public Map<String, Integer> topics() {
        Map<String, Integer> topics = new LinkedHashMap<>();
        topics.put(INVENTORY, 2);
        // One partition keeps this input's outcome fixed: orders re-keyed by product from several partitions reach
        // the repartition topic in either order (as in Kafka Streams), and so would the stock levels between them.
        topics.put(ORDERS, 1);
        topics.put(ORDER_LINES, 2);
        topics.put(STOCK_LEVELS, 2);
        topics.put(ALERTS, 1);
        return topics;
    }

    @Override
    public List<ProducerRecord> input() {
        List<ProducerRecord> input = new ArrayList<>();
        input.add(json(INVENTORY, "p-1", new Item("espresso beans 1 kg", 5), "2026-11-30T08:00:00Z"));
        input.add(json(INVENTORY, "p-2", new Item("milk frother", 2), "2026-11-30T08:00:00Z"));
        input.add(json(INVENTORY, "p-3", new Item("paper filters", 100), "2026-11-30T08:00:00Z"));
        input.add(json(ORDERS, "o-1", new Order("o-1", "p-1", 2), "2026-11-30T09:00:00Z"));
        input.add(json(ORDERS, "o-2", new Order("o-2", "p-2", 1), "2026-11-30T09:01:00Z"));
        input.add(json(ORDERS, "o-3", new Order("o-3", "p-1", 3), "2026-11-30T09:02:00Z")); // p-1 sold out
        input.add(json(ORDERS, "o-4", new Order("o-4", "p-3", 10), "2026-11-30T09:03:00Z"));
        input.add(json(ORDERS, "o-5", new Order("o-5", "p-2", 2), "2026-11-30T09:04:00Z")); // p-2 short by 1
        return input;
    }

    @Override
    public List<String> outputs() {
        return List.of(ORDER_LINES, STOCK_LEVELS, ALERTS);
    }
}
