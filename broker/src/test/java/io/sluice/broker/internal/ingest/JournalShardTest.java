package io.sluice.broker.internal.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.broker.ClosedException;
import io.sluice.broker.RecordMetadata;
import io.sluice.broker.TopicPartition;
import io.sluice.broker.internal.log.LogConfig;
import io.sluice.broker.internal.log.PartitionLog;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.record.Record;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class JournalShardTest {
    @TempDir
    Path dir;
    private final ScheduledExecutorService background = Executors.newSingleThreadScheduledExecutor();
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        background.shutdownNow();
    }

    private PartitionLog log(String name, Map<String, String> config) {
        PartitionLog log = PartitionLog.open(dir.resolve(name + "-0"), new TopicPartition(name, 0),
                LogConfig.of(config), 0, 0, true, background, System::currentTimeMillis);
        toClose.add(log);
        return log;
    }

    private JournalShard shard() {
        JournalShard shard = new JournalShard(0, 1024, "parking", System::currentTimeMillis);
        toClose.add(shard);
        return shard;
    }

    private static CompletableFuture<RecordMetadata> send(JournalShard shard, PartitionWriter writer, String value) {
        CompletableFuture<RecordMetadata> future = new CompletableFuture<>();
        shard.tryPublish(writer, null, value.getBytes(), System.currentTimeMillis(), Record.EMPTY_HEADERS,
                (m, e) -> {
                    if (e != null) {
                        future.completeExceptionally(e);
                    } else {
                        future.complete(m);
                    }
                });
        return future;
    }

    @Test
    void shouldFsyncBeforeAcknowledgingWhenFlushMessagesIsOne() {
        PartitionLog log = log("durable", Map.of("flush.messages", "1"));
        JournalShard shard = shard();
        PartitionWriter writer = shard.addPartition(log);
        shard.start();
        for (int i = 0; i < 20; i++) {
            RecordMetadata m = send(shard, writer, "v" + i).join();
            // The recovery point moves when data is fsynced: by the time of the ack it covers the record.
            assertThat(log.recoveryPoint()).isGreaterThan(m.offset());
        }
    }

    @Test
    void shouldLeaveFlushingToThePageCacheByDefault() {
        PartitionLog log = log("fast", Map.of());
        JournalShard shard = shard();
        PartitionWriter writer = shard.addPartition(log);
        shard.start();
        RecordMetadata m = send(shard, writer, "v").join();
        assertThat(m.offset()).isZero();
        assertThat(log.recoveryPoint()).isZero();
        assertThat(log.highWatermark()).isEqualTo(1);
    }

    @Test
    void shouldFsyncOnTheTimerWithFlushMs() throws Exception {
        PartitionLog log = log("timed", Map.of("flush.ms", "20"));
        JournalShard shard = shard();
        PartitionWriter writer = shard.addPartition(log);
        shard.start();
        send(shard, writer, "v").join();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (log.recoveryPoint() < 1 && System.nanoTime() < deadline) {
            Thread.sleep(10);
            shard.flushDueLogs();
        }
        assertThat(log.recoveryPoint()).isEqualTo(1);
    }

    @Test
    void shouldCompleteOrFailEverySendThatRacesWithClose() throws Exception {
        PartitionLog log = log("race", Map.of());
        JournalShard shard = new JournalShard(0, 256, "phased", System::currentTimeMillis);
        PartitionWriter writer = shard.addPartition(log);
        shard.start();
        AtomicLong sent = new AtomicLong();
        AtomicLong acked = new AtomicLong();
        AtomicLong failedClosed = new AtomicLong();
        ConcurrentLinkedQueue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch started = new CountDownLatch(3);
        List<Thread> senders = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
            Thread sender = new Thread(() -> {
                started.countDown();
                io.sluice.broker.Callback outcome = (m, e) -> {
                    if (e == null) {
                        acked.incrementAndGet();
                    } else if (e instanceof ClosedException) {
                        failedClosed.incrementAndGet();
                    } else {
                        unexpected.add(e);
                    }
                };
                for (long i = 0; !stop.get(); i++) {
                    // Single records and producers' batches alike
                    boolean published = i % 2 == 0
                            ? shard.tryPublish(writer, null, new byte[10], System.currentTimeMillis(),
                                    Record.EMPTY_HEADERS, outcome)
                            : shard.tryPublishBuilt(writer, built(5), new long[5], 0, outcome);
                    if (!published) {
                        return;
                    }
                    sent.addAndGet(i % 2 == 0 ? 1 : 5);
                }
            });
            senders.add(sender);
            sender.start();
        }
        started.await();
        // Close while sends are under way: wait for some, however slowly the senders got going.
        long sending = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (sent.get() < 1_000 && System.nanoTime() < sending) {
            Thread.sleep(1);
        }
        shard.close();
        stop.set(true);
        for (Thread sender : senders) {
            sender.join(10_000);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (acked.get() + failedClosed.get() < sent.get() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(unexpected).isEmpty();
        assertThat(sent.get()).isGreaterThan(0);
        assertThat(acked.get() + failedClosed.get()).as("every published send completed once").isEqualTo(sent.get());
        assertThat(log.logEndOffset()).isEqualTo(acked.get());
    }

    /** A producer's batch of {@code n} records with values "0".."n-1", timestamps 0. */
    private static java.nio.ByteBuffer built(int n) {
        BatchEncoder encoder = new BatchEncoder(1024);
        encoder.begin(0);
        for (int i = 0; i < n; i++) {
            encoder.append(0, null, String.valueOf(i).getBytes(), Record.EMPTY_HEADERS);
        }
        return encoder.finishDetached(0);
    }

    /** Producers' batches and single records share one partition's order, through the fsync stage too. */
    @Test
    void shouldWriteBuiltBatchesInOrderWithSingleRecords() throws Exception {
        PartitionLog log = log("mixed", Map.of("flush.messages", "1"));
        JournalShard shard = shard();
        PartitionWriter writer = shard.addPartition(log);
        shard.start();
        ConcurrentLinkedQueue<Long> offsets = new ConcurrentLinkedQueue<>();
        CountDownLatch done = new CountDownLatch(3 + 4 + 1);
        io.sluice.broker.Callback collect = (m, e) -> {
            if (e == null) {
                offsets.add(m.offset());
            }
            done.countDown();
        };
        shard.tryPublish(writer, null, "a".getBytes(), 7, Record.EMPTY_HEADERS, collect);
        shard.tryPublishBuilt(writer, built(3), new long[] {8, 9, 5}, 1, collect);
        shard.tryPublishBuilt(writer, built(4), new long[4], 0, collect);
        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(offsets).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L);
        assertThat(log.logEndOffset()).isEqualTo(8);
        assertThat(log.recoveryPoint()).isEqualTo(8);
        List<String> values = new ArrayList<>();
        List<Long> stored = new ArrayList<>();
        log.read(0, 1 << 20).records().batches().forEach(b -> {
            b.ensureValid();
            b.forEach(r -> {
                stored.add(r.offset());
                byte[] v = new byte[r.valueSize()];
                r.value().get(v);
                values.add(new String(v));
            });
        });
        assertThat(stored).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L);
        assertThat(values).containsExactly("a", "0", "1", "2", "0", "1", "2", "3");
    }
}
