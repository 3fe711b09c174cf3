package io.sluice.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataOutputStream;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Connections that announce the largest request a broker takes and send little or nothing of it, against a broker
 * whose heap could not hold a few of them: it stays up and serves Kafka's clients meanwhile.
 */
@Timeout(180)
class HostileConnectionsIT {
    private static final int ANNOUNCED_BYTES = 104_857_600; // socket.request.max.bytes, the default

    @TempDir
    Path dir;

    @Test
    void shouldServeOthersWhileConnectionsAnnounceTheLargestRequestOnASmallHeap() throws Exception {
        try (ChildBroker broker = ChildBroker.start(dir.resolve("data"), "256m",
                Path.of("target", "HostileConnectionsIT-broker.log"))) {
            List<Socket> hostile = new ArrayList<>();
            try {
                for (int i = 0; i < 60; i++) {
                    Socket socket = new Socket("127.0.0.1", broker.port);
                    hostile.add(socket);
                    DataOutputStream out = new DataOutputStream(socket.getOutputStream());
                    out.writeInt(ANNOUNCED_BYTES);
                    if (i % 10 == 0) {
                        out.write(new byte[1 << 20]); // some of the body too: held, within the bound
                    }
                    out.flush();
                }
                assertThat(roundTrip(broker.bootstrap(), "t", 1_000)).isEqualTo(1_000);
                assertThat(broker.isAlive()).isTrue();
                assertThat(broker.stats().get("heap")).as("heap after a full GC").isLessThan(128L << 20);
            } finally {
                for (Socket socket : hostile) {
                    socket.close();
                }
            }
        }
    }

    /** Creates a topic, produces {@code n} records with acks=all and reads them back; how many were read. */
    static int roundTrip(String bootstrap, String topic, int n) throws Exception {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("request.timeout.ms", "10000");
        p.put("default.api.timeout.ms", "20000");
        try (AdminClient admin = AdminClient.create(p)) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(20, TimeUnit.SECONDS);
        }
        p.put("acks", "all");
        p.put("delivery.timeout.ms", "20000");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(),
                new StringSerializer())) {
            for (int i = 0; i < n; i++) {
                producer.send(new ProducerRecord<>(topic, "k" + i, "v" + i));
            }
            producer.flush();
        }
        p.put("auto.offset.reset", "earliest");
        p.put("group.id", "readers-" + topic);
        int read = 0;
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p, new StringDeserializer(),
                new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (read < n && System.nanoTime() < deadline) {
                read += consumer.poll(Duration.ofMillis(200)).count();
            }
        }
        return read;
    }
}
