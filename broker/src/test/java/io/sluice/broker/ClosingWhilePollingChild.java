package io.sluice.broker;

import io.sluice.broker.ConsumerConfig.OffsetReset;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/** Child JVM of CloseWhilePollingIT: closes the broker while a consumer thread is inside poll(). */
public final class ClosingWhilePollingChild {
    private ClosingWhilePollingChild() {
    }

    public static void main(String[] args) throws Exception {
        Broker broker = Broker.start(Path.of(args[0]));
        try (Admin admin = broker.admin(); Producer producer = broker.producer()) {
            admin.createTopic(NewTopic.of("t", 1).withConfig("segment.bytes", "1048576"));
            byte[] value = new byte[100];
            for (int i = 0; i < 300_000; i++) {
                producer.send(ProducerRecord.of("t", null, value), (m, e) -> { });
            }
            producer.flush();
        }
        CountDownLatch reading = new CountDownLatch(1);
        Thread reader = new Thread(() -> {
            Consumer consumer = broker.consumer(ConsumerConfig.builder().autoOffsetReset(OffsetReset.EARLIEST)
                    .maxPollRecords(1_000_000).build());
            consumer.assign(List.of(new TopicPartition("t", 0)));
            while (true) {
                try {
                    consumer.seekToBeginning(consumer.assignment());
                    reading.countDown();
                    consumer.poll(Duration.ofSeconds(1));
                } catch (ClosedException e) {
                    return;
                } catch (RuntimeException e) {
                    System.out.println("poll failed: " + e);
                    return;
                }
            }
        });
        reader.setDaemon(true);
        reader.start();
        reading.await();
        Thread.sleep(Long.parseLong(args[1]));
        broker.close();
        reader.join(5_000);
        System.out.println("SURVIVED");
        System.exit(0);
    }
}
