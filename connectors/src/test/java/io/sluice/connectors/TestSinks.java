package io.sluice.connectors;

import io.sluice.broker.ConsumerRecord;
import io.sluice.broker.config.ConfigDefinition;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/** Sinks for tests: an outside system that rejects some records, and one that is down for a while. */
final class TestSinks {
    /** What reached "outside", by value, in order. */
    static final List<String> DELIVERED = new CopyOnWriteArrayList<>();
    /** Puts and flushes that fail before the outside system comes back. */
    static final AtomicInteger FAILURES_LEFT = new AtomicInteger();

    private TestSinks() {
    }

    /** Rejects values that start with "bad"; takes the rest. */
    public static final class Rejecting implements SinkConnector {
        @Override
        public ConfigDefinition config() {
            return new ConfigDefinition("rejecting sink");
        }

        @Override
        public Supplier<SinkTask> task() {
            return () -> new SinkTask() {
                private SinkContext context;

                @Override
                public void start(Map<String, String> config, SinkContext sinkContext) {
                    context = sinkContext;
                }

                @Override
                public void put(List<ConsumerRecord> records) {
                    for (ConsumerRecord r : records) {
                        if (r.valueAsString().startsWith("bad")) {
                            context.reject(r, new IllegalArgumentException("not a number: " + r.valueAsString()));
                        } else {
                            DELIVERED.add(r.valueAsString());
                        }
                    }
                }

                @Override
                public void flush() {
                }

                @Override
                public void stop() {
                }
            };
        }
    }

    /** Fails its puts while {@link #FAILURES_LEFT} lasts, as a database that is down would. */
    public static final class Flaky implements SinkConnector {
        @Override
        public ConfigDefinition config() {
            return new ConfigDefinition("flaky sink");
        }

        @Override
        public Supplier<SinkTask> task() {
            return () -> new SinkTask() {
                @Override
                public void start(Map<String, String> config, SinkContext context) {
                }

                @Override
                public void put(List<ConsumerRecord> records) {
                    if (FAILURES_LEFT.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                        throw new IllegalStateException("connection refused");
                    }
                    records.forEach(r -> DELIVERED.add(r.valueAsString()));
                }

                @Override
                public void flush() {
                }

                @Override
                public void stop() {
                }
            };
        }
    }
}
