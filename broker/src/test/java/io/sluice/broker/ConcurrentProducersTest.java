package io.sluice.broker;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.broker.ConsumerConfig.OffsetReset;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several threads send keyed records concurrently over several partitions and journal shards; every record must be
 * stored once, and the records of each thread must keep their send order within each partition.
 */
@Timeout(120)
class ConcurrentProducersTest {
    private static final int THREADS = 4;
    private static final int PER_THREAD = 50_000;
    private static final int PARTITIONS = 8;

    @TempDir
    Path dir;

    @Test
    void shouldStoreEveryRecordOnceInSendOrderPerPartition() throws Exception {
        BrokerConfig config = BrokerConfig.builder(dir).set(BrokerConfig.JOURNAL_THREADS, 3)
                .set(BrokerConfig.JOURNAL_RING_SIZE, 1024).build();
        try (Broker broker = Broker.start(config); Admin admin = broker.admin();
             Producer producer = broker.producer()) {
            admin.createTopic(NewTopic.of("t", PARTITIONS));
            CountDownLatch start = new CountDownLatch(1);
            AtomicLong failures = new AtomicLong();
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                threads.add(new Thread(() -> {
                    try {
                        start.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    for (int seq = 0; seq < PER_THREAD; seq++) {
                        byte[] key = ("t" + thread + "-k" + (seq % 97)).getBytes();
                        byte[] value = ByteBuffer.allocate(8).putInt(thread).putInt(seq).array();
                        ProducerRecord record = seq % 3 == 0
                                ? ProducerRecord.of("t", key, value).withPartition(seq % PARTITIONS)
                                : ProducerRecord.of("t", key, value);
                        producer.send(record, (m, e) -> {
                            if (e != null) {
                                failures.incrementAndGet();
                            }
                        });
                    }
                }));
            }
            threads.forEach(Thread::start);
            start.countDown();
            for (Thread thread : threads) {
                thread.join();
            }
            producer.flush();
            assertThat(failures.get()).isZero();

            try (Consumer consumer = broker.consumer(ConsumerConfig.builder()
                    .autoOffsetReset(OffsetReset.EARLIEST).maxPollRecords(5000).build())) {
                consumer.assign(consumer.partitionsFor("t"));
                boolean[][] seen = new boolean[THREADS][PER_THREAD];
                Map<Integer, int[]> lastSeqPerPartition = new HashMap<>();
                long total = 0;
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (total < (long) THREADS * PER_THREAD && System.nanoTime() < deadline) {
                    for (ConsumerRecord r : consumer.poll(Duration.ofMillis(100))) {
                        ByteBuffer v = ByteBuffer.wrap(r.value());
                        int thread = v.getInt();
                        int seq = v.getInt();
                        assertThat(seen[thread][seq]).as("duplicate thread %d seq %d", thread, seq).isFalse();
                        seen[thread][seq] = true;
                        int[] last = lastSeqPerPartition.computeIfAbsent(r.partition(), p -> {
                            int[] init = new int[THREADS];
                            java.util.Arrays.fill(init, -1);
                            return init;
                        });
                        assertThat(seq).as("order of thread %d in partition %d", thread, r.partition())
                                .isGreaterThan(last[thread]);
                        last[thread] = seq;
                        total++;
                    }
                }
                assertThat(total).isEqualTo((long) THREADS * PER_THREAD);
                Map<TopicPartition, Long> ends = consumer.endOffsets(consumer.assignment());
                assertThat(ends.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(total);
            }
        }
    }
}
