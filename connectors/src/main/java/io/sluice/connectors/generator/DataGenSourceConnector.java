package io.sluice.connectors.generator;

import io.sluice.broker.config.ConfigDefinition;
import io.sluice.connectors.SourceConnector;
import io.sluice.connectors.SourceContext;
import io.sluice.connectors.SourceRecord;
import io.sluice.connectors.SourceTask;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * Generates records, for demos and benchmarks: {@code rate} per second (0: as fast as it can), keys
 * {@code key-0 … key-(keys−1)} in turn, values from a {@code template} (see {@link Template}); it ends after
 * {@code records} (0: never). Its sequence number is its stored position: a restart goes on from it. Keys:
 * {@code topic}, {@code rate}, {@code records}, {@code keys}, {@code template}, {@code seed}. One task.
 */
public final class DataGenSourceConnector implements SourceConnector {
    static final String TOPIC = "topic";
    static final String RATE = "rate";
    static final String RECORDS = "records";
    static final String KEYS = "keys";
    static final String TEMPLATE = "template";
    static final String SEED = "seed";

    @Override
    public ConfigDefinition config() {
        return new ConfigDefinition("data generator connector")
                .define(TOPIC, ConfigDefinition.Type.STRING, null, "", "the topic records go to")
                .define(RATE, ConfigDefinition.Type.LONG, 1_000L, ConfigDefinition.Check.atLeast(0), "records/s",
                        "records per second; 0: as fast as it can")
                .define(RECORDS, ConfigDefinition.Type.LONG, 0L, ConfigDefinition.Check.atLeast(0), "",
                        "records in all, then the source ends; 0: no end")
                .define(KEYS, ConfigDefinition.Type.INT, 1_000, ConfigDefinition.Check.atLeast(1), "",
                        "distinct keys, key-0 to key-(keys-1), in turn")
                .define(TEMPLATE, ConfigDefinition.Type.STRING,
                        "{\"seq\":${seq},\"key\":\"${key}\",\"amount\":${random.int(1000)}}",
                        DataGenSourceConnector::templateProblem, "",
                        "the value: text with ${seq}, ${key}, ${timestamp}, ${uuid}, ${random.int(N)}, "
                                + "${random.double}, ${random.choice(a|b)}")
                .define(SEED, ConfigDefinition.Type.LONG, 0L, "", "the random seed; 0: a different one each run");
    }

    private static String templateProblem(Object template) {
        try {
            new Template((String) template);
            return null;
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }


    @Override
    public Supplier<SourceTask> task() {
        return GeneratorTask::new;
    }

    private static final class GeneratorTask implements SourceTask {
        private Map<String, String> partition;
        private String topic;
        private long rate;
        private long total;
        private int keys;
        private Template template;
        private SplittableRandom random;
        private long next;
        private long startSeq;
        private long startNanos;

        @Override
        public void start(Map<String, String> config, SourceContext context) {
            partition = Map.of("generator", config.get("name"));
            topic = config.get(TOPIC);
            rate = Long.parseLong(config.getOrDefault(RATE, "1000"));
            total = Long.parseLong(config.getOrDefault(RECORDS, "0"));
            keys = Integer.parseInt(config.getOrDefault(KEYS, "1000"));
            template = new Template(config.getOrDefault(TEMPLATE,
                    "{\"seq\":${seq},\"key\":\"${key}\",\"amount\":${random.int(1000)}}"));
            long seed = Long.parseLong(config.getOrDefault(SEED, "0"));
            random = seed == 0 ? new SplittableRandom() : new SplittableRandom(seed);
            Map<String, Object> stored = context.offset(partition);
            next = stored == null ? 0 : ((Number) stored.get("seq")).longValue();
            startSeq = next;
            startNanos = System.nanoTime();
        }

        @Override
        public List<SourceRecord> poll() throws InterruptedException {
            if (total > 0 && next >= total) {
                return null;
            }
            // In double: elapsed nanoseconds times the rate would overflow a long after hours at a high rate.
            long due = rate == 0 ? 10_000 : (long) ((System.nanoTime() - startNanos) / 1e9 * rate)
                    - (next - startSeq);
            if (due <= 0) {
                Thread.sleep(Math.max(1, Math.min(100, 1_000 / Math.max(1, rate))));
                return List.of();
            }
            int count = (int) Math.min(Math.min(due, 10_000), total > 0 ? total - next : Long.MAX_VALUE);
            List<SourceRecord> records = new ArrayList<>(count);
            long now = System.currentTimeMillis();
            for (int i = 0; i < count; i++, next++) {
                String key = "key-" + next % keys;
                records.add(new SourceRecord(partition, Map.of("seq", next + 1), topic,
                        key.getBytes(StandardCharsets.UTF_8),
                        template.render(next, key, now, random).getBytes(StandardCharsets.UTF_8), List.of(), now));
            }
            return records;
        }

        @Override
        public void stop() {
        }
    }
}
