package io.sluice.broker;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The child JVM of {@link GroupRestartIT}: a broker on a data directory serving Kafka clients on a port (0: any
 * free one), which prints {@code READY host:port} once it listens and then produces a record to {@link #TOPIC}
 * every 10 ms, until it is killed.
 */
public final class GroupBrokerChild {
    static final String TOPIC = "orders";

    private GroupBrokerChild() {
    }

    public static void main(String[] args) throws InterruptedException {
        Path dir = Path.of(args[0]);
        int port = Integer.parseInt(args[1]);
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        Broker broker = Broker.start(BrokerConfig.builder(dir).set(BrokerConfig.LISTENERS, "PLAINTEXT://127.0.0.1:"
                + port).build());
        try (Admin admin = broker.admin()) {
            if (!admin.listTopics().contains(TOPIC)) {
                admin.createTopic(NewTopic.of(TOPIC, 3));
            }
        }
        out.println("READY " + broker.bootstrapServers().orElseThrow());
        Producer producer = broker.producer();
        for (long i = 0; ; i++) {
            producer.send(ProducerRecord.of(TOPIC, "k" + i, "v" + i));
            Thread.sleep(10);
        }
    }
}
