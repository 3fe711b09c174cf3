package bench;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Produced;

/**
 * Kafka Streams word count at a fixed input rate; the same measurement as {@code sluice perf job --rate}: each
 * line carries its intended send time (System.nanoTime, one JVM) in a header, and the time until each of its count
 * updates is readable in the output topic goes into an HdrHistogram (coordinated omission corrected by timing from
 * the intended send time). Record cache off, so that every update is forwarded at once.
 *
 *   StreamsLatency BOOTSTRAP RATE DURATION_S [LINGER_MS]
 */
public final class StreamsLatency {
    private static final String HEADER = "perf-sent-nanos";

    public static void main(String[] a) throws Exception {
        String bootstrap = a[0];
        long rate = Long.parseLong(a[1]);
        int durationS = Integer.parseInt(a[2]);
        String linger = a.length > 3 ? a[3] : null;
        String suffix = Long.toString(System.currentTimeMillis());
        String in = "latency-lines-" + suffix;
        String out = "latency-counts-" + suffix;
        try (Admin admin = Admin.create(props(bootstrap))) {
            admin.createTopics(List.of(new NewTopic(in, 6, (short) 1), new NewTopic(out, 6, (short) 1))).all().get();
        }
        StreamsBuilder b = new StreamsBuilder();
        b.stream(in, Consumed.with(Serdes.String(), Serdes.String()))
                .flatMapValues(v -> List.of(v.toLowerCase(Locale.ROOT).split("\\W+")))
                .groupBy((k, word) -> word, Grouped.with(Serdes.String(), Serdes.String()))
                .count()
                .toStream()
                .to(out, Produced.with(Serdes.String(), Serdes.Long()));
        Properties sp = props(bootstrap);
        sp.put(StreamsConfig.APPLICATION_ID_CONFIG, "latency-" + suffix);
        sp.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
        sp.put(StreamsConfig.STATE_DIR_CONFIG, System.getProperty("java.io.tmpdir") + "/streams-latency-" + suffix);
        if (linger != null) {
            sp.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), Integer.parseInt(linger));
        }
        Histogram latency = new Histogram(TimeUnit.MINUTES.toNanos(1), 3);
        AtomicBoolean measuring = new AtomicBoolean();
        AtomicBoolean stop = new AtomicBoolean();
        try (KafkaStreams streams = new KafkaStreams(b.build(), sp)) {
            streams.start();
            while (streams.state() != KafkaStreams.State.RUNNING) {
                Thread.sleep(10);
            }
            AtomicBoolean seen = new AtomicBoolean();
            Thread reader = new Thread(() -> read(bootstrap, out, latency, measuring, stop, seen));
            reader.start();
            long ready = System.nanoTime();
            probe(bootstrap, in, seen);
            System.out.printf(Locale.ROOT, "first result through the topology after %d ms%n",
                    (System.nanoTime() - ready) / 1_000_000);
            send(bootstrap, in, rate, durationS, measuring);
            Thread.sleep(5_000);
            stop.set(true);
            reader.join();
        }
        System.out.printf(Locale.ROOT, "RESULT rate=%d duration_s=%d linger_ms=%s expected=%d timed=%d p50_us=%.1f p99_us=%.1f "
                        + "p999_us=%.1f max_us=%.1f%n", rate, durationS, linger == null ? "default" : linger,
                rate * durationS * 10, latency.getTotalCount(), latency.getValueAtPercentile(50) / 1e3,
                latency.getValueAtPercentile(99) / 1e3, latency.getValueAtPercentile(99.9) / 1e3,
                latency.getMaxValue() / 1e3);
    }

    private static Properties props(String bootstrap) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        return p;
    }

    /** Sends a line every 100 ms until results come out: the topology is assigned, its topics created. */
    private static void probe(String bootstrap, String topic, AtomicBoolean seen) throws InterruptedException {
        Properties pp = props(bootstrap);
        pp.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        pp.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(pp)) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (!seen.get() && System.nanoTime() < deadline) {
                producer.send(new ProducerRecord<>(topic, null, "probe"));
                producer.flush();
                Thread.sleep(100);
            }
        }
    }

    private static void send(String bootstrap, String topic, long rate, int durationS, AtomicBoolean measuring) {
        Properties pp = props(bootstrap);
        pp.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        pp.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        pp.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        String[] vocabulary = vocabulary();
        Random random = new Random(7);
        long interval = 1_000_000_000L / rate;
        long warmup = TimeUnit.SECONDS.toNanos(5);
        long total = warmup + TimeUnit.SECONDS.toNanos(durationS);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(pp)) {
            long start = System.nanoTime();
            long next = start;
            while (next - start < total) {
                measuring.set(next - start >= warmup);
                long now = System.nanoTime();
                if (next > now) {
                    LockSupport.parkNanos(next - now);
                }
                StringBuilder line = new StringBuilder(80);
                for (int w = 0; w < 10; w++) {
                    line.append(w == 0 ? "" : " ").append(vocabulary[random.nextInt(vocabulary.length)]);
                }
                ProducerRecord<String, String> r = new ProducerRecord<>(topic, null, line.toString());
                r.headers().add(HEADER, ByteBuffer.allocate(8).putLong(next).array());
                producer.send(r);
                next += interval;
            }
        }
    }

    private static void read(String bootstrap, String topic, Histogram latency, AtomicBoolean measuring,
                             AtomicBoolean stop, AtomicBoolean seen) {
        Properties cp = props(bootstrap);
        cp.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        cp.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(cp)) {
            List<TopicPartition> parts = new ArrayList<>();
            consumer.partitionsFor(topic).forEach(p -> parts.add(new TopicPartition(topic, p.partition())));
            consumer.assign(parts);
            consumer.seekToEnd(parts);
            while (!stop.get()) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(20))) {
                    seen.set(true);
                    long now = System.nanoTime();
                    Header h = r.headers().lastHeader(HEADER);
                    if (h != null && measuring.get()) {
                        latency.recordValue(Math.max(0, now - ByteBuffer.wrap(h.value()).getLong()));
                    }
                }
            }
        }
    }

    /** The vocabulary of sluice's perf job: 1,000 words of 3 to 10 letters. */
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
}
