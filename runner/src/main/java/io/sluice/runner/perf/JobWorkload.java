package io.sluice.runner.perf;

import io.sluice.broker.ProducerRecord;
import io.sluice.dsl.Pipeline;
import io.sluice.dsl.Stream;
import io.sluice.dsl.Table;
import io.sluice.dsl.Windows;
import io.sluice.engine.Serdes;
import io.sluice.engine.Topology;
import io.sluice.samples.WordCount;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Random;

/**
 * The stream-job benchmarks of issue 3, shaped like the Kafka Streams ones in {@code kafka-reference}: word count
 * over lines of 10 words from a 1,000-word vocabulary; a 1-second tumbling count over events with 10,000 keys and
 * timestamps 1 ms apart; orders joined with a table of 100,000 products.
 */
enum JobWorkload {
    WORDCOUNT("lines", "word-counts") {
        @Override
        Topology topology() {
            return WordCount.topology();
        }

        @Override
        ProducerRecord record(long i, Random random, long timestamp) {
            StringBuilder line = new StringBuilder(80);
            for (int w = 0; w < 10; w++) {
                line.append(w == 0 ? "" : " ").append(VOCABULARY[random.nextInt(VOCABULARY.length)]);
            }
            return ProducerRecord.of(WordCount.INPUT_TOPIC, null, utf8(line.toString())).withTimestamp(timestamp);
        }
    },
    WINDOWED("events", "window-counts") {
        @Override
        Topology topology() {
            Pipeline p = Pipeline.named("windowed-count");
            p.stream("events", Serdes.string())
                    .groupByKey()
                    .windowedBy(Windows.tumbling(Duration.ofSeconds(1)).noGrace())
                    .count("window-counts")
                    .toStream()
                    .to("window-counts");
            return p.build();
        }

        @Override
        ProducerRecord record(long i, Random random, long timestamp) {
            return ProducerRecord.of("events", utf8("key-" + random.nextInt(10_000)), utf8(Long.toString(i)))
                    .withTimestamp(timestamp);
        }
    },
    TABLE("entries", "entries-out") {
        @Override
        Topology topology() {
            Pipeline p = Pipeline.named("table-load");
            p.table("entries", Serdes.string(), Serdes.string()).toStream().to("entries-out");
            return p.build();
        }

        @Override
        ProducerRecord record(long i, Random random, long timestamp) {
            return ProducerRecord.of("entries", utf8("key-" + i), utf8("value-" + i + "-" + PADDING))
                    .withTimestamp(timestamp);
        }

        @Override
        long defaultRecords() {
            return 1_000_000;
        }
    },
    JOIN("orders", "enriched-orders") {
        @Override
        Topology topology() {
            Pipeline p = Pipeline.named("order-enrichment");
            Table<String, String> products = p.table("products", Serdes.string(), Serdes.string());
            Stream<String, String> orders = p.stream("orders", Serdes.string());
            orders.join(products, (order, product) -> order + "," + product).withValueSerde(Serdes.string())
                    .to("enriched-orders");
            return p.build();
        }

        @Override
        ProducerRecord record(long i, Random random, long timestamp) {
            return ProducerRecord.of("orders", utf8("product-" + random.nextInt(PRODUCTS)),
                    utf8("order-" + i + ",qty=" + (1 + random.nextInt(5)))).withTimestamp(timestamp);
        }

        @Override
        List<String> tables() {
            return List.of("products");
        }
    };

    static final int PRODUCTS = 100_000;
    private static final String PADDING = "x".repeat(40);
    private static final String[] VOCABULARY = vocabulary();

    final String inputTopic;
    final String outputTopic;

    JobWorkload(String inputTopic, String outputTopic) {
        this.inputTopic = inputTopic;
        this.outputTopic = outputTopic;
    }

    abstract Topology topology();

    /** Input record {@code i}; {@code timestamp} is its event time. */
    abstract ProducerRecord record(long i, Random random, long timestamp);

    /** Topics loaded in full before the input: the table sides. */
    List<String> tables() {
        return List.of();
    }

    /** Table record {@code i} of {@code topic}. */
    ProducerRecord tableRecord(String topic, int i) {
        return ProducerRecord.of(topic, utf8("product-" + i), utf8("name=product " + i + ",price=" + (i % 997)))
                .withTimestamp(0);
    }

    int tableSize() {
        return PRODUCTS;
    }

    /** The default input size: as in the Kafka Streams benchmarks. */
    long defaultRecords() {
        return this == WORDCOUNT ? 1_000_000 : 2_000_000;
    }

    /** 1,000 words of 3 to 10 letters. */
    private static String[] vocabulary() {
        Random random = new Random(1);
        String[] words = new String[1_000];
        for (int i = 0; i < words.length; i++) {
            StringBuilder word = new StringBuilder();
            int length = 3 + random.nextInt(8);
            for (int c = 0; c < length; c++) {
                word.append((char) ('a' + random.nextInt(26)));
            }
            words[i] = word.toString();
        }
        return words;
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
