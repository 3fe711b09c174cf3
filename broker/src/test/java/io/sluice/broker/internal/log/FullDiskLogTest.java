package io.sluice.broker.internal.log;

import static io.sluice.broker.internal.log.LogTestSupport.append;
import static io.sluice.broker.internal.log.LogTestSupport.readAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.broker.RecordMetadata;
import io.sluice.broker.StorageException;
import io.sluice.broker.Tmpfs;
import io.sluice.broker.internal.ingest.JournalShard;
import io.sluice.broker.internal.ingest.PartitionWriter;
import io.sluice.broker.internal.log.LogTestSupport.Read;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.SimpleRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A log and its indexes on a tmpfs that fills up: a write that finds no room fails cleanly and changes nothing. */
@Timeout(60)
class FullDiskLogTest {
    @TempDir
    Path root;
    private LogTestSupport support;

    @AfterEach
    void tearDown() throws InterruptedException {
        if (support != null) {
            support.close();
        }
    }

    @Test
    void shouldFailAnIndexEntryWithAnIoErrorRatherThanASigbusWhenTheDiskIsFull() throws Exception {
        try (Tmpfs tmpfs = Tmpfs.mount(root.resolve("mnt"), "64k")) {
            // Preallocated and sparse, as every index that can grow: its pages get blocks when first written.
            OffsetIndex index = new OffsetIndex(tmpfs.dir().resolve("0.index"), 0, 1 << 20, true);
            try {
                List<Path> fillers = tmpfs.fill("filler-");

                assertThatThrownBy(() -> index.append(0, 0)).isInstanceOf(UncheckedIOException.class)
                        .hasMessageContaining("0.index");
                assertThat(index.entries()).isZero();

                Files.delete(fillers.get(0));
                for (int i = 0; i < 1_000; i++) {
                    assertThat(index.append(i, i * 10)).isTrue();
                }
                assertThat(index.lookup(500)).isEqualTo(5_000);
            } finally {
                index.close();
            }
        }
    }

    @Test
    void shouldNotWriteABatchWhoseIndexEntryFindsNoRoomOnTheDisk() throws Exception {
        try (Tmpfs tmpfs = Tmpfs.mount(root.resolve("mnt"), "256k")) {
            support = new LogTestSupport(tmpfs.dir());
            // An index entry at every append after the first; one timestamp, so the time index has one entry.
            Map<String, String> config = Map.of("index.interval.bytes", "0");
            String small = valueForBatchOf(128);
            long timestamp = support.clock.get();
            try (PartitionLog log = support.open(config)) {
                // 1,152 + 512 × 128 bytes: the offset index's first page is full, the log's last page a quarter.
                append(log, "k", valueForBatchOf(1_152), timestamp);
                for (int i = 0; i < 512; i++) {
                    append(log, "k", small, timestamp);
                }
                LogSegment active = log.activeSegment();
                long size = active.sizeInBytes();
                assertThat(size % 4096).isEqualTo(1_152);
                List<Path> fillers = tmpfs.fill("filler-");

                // The batch fits in the log's last page, its index entry needs a page the disk has no room for.
                assertThatThrownBy(() -> append(log, "k", small, timestamp)).isInstanceOf(StorageException.class)
                        .rootCause().hasMessageContaining("No space left on device");
                assertThat(active.sizeInBytes()).isEqualTo(size);
                assertThat(Files.size(active.file())).isEqualTo(size);
                assertThat(log.logEndOffset()).isEqualTo(513);

                Files.delete(fillers.get(0));
                append(log, "k", small, timestamp);
                assertThat(readAll(log, 0)).extracting(Read::offset).hasSize(514).doesNotHaveDuplicates();
            }
            try (PartitionLog log = support.open(config, 0, 0, false)) {
                assertThat(log.logEndOffset()).isEqualTo(514);
            }
        }
    }

    @Test
    void shouldAcknowledgeTheRecordsOfARunWrittenBeforeTheDiskFilledAndFailOnlyTheRest() throws Exception {
        try (Tmpfs tmpfs = Tmpfs.mount(root.resolve("mnt"), "3m")) {
            support = new LogTestSupport(tmpfs.dir());
            PartitionLog log = support.open(Map.of());
            JournalShard shard = new JournalShard(0, 8192, "blocking", support.clock::get);
            shard.start();
            List<Long> acked = new ArrayList<>();
            try {
                PartitionWriter writer = shard.addPartition(log);
                // Held by a task, the journal then drains the 4.5 MB published meanwhile as one run, appended about
                // 2 MB at a time (two batches of at most 1 MB): only the first append finds room.
                CountDownLatch hold = new CountDownLatch(1);
                shard.submit(() -> hold.await(30, TimeUnit.SECONDS));
                List<CompletableFuture<RecordMetadata>> sends = new ArrayList<>();
                for (int i = 0; i < 4_500; i++) {
                    sends.add(send(shard, writer, i + ":" + "x".repeat(1_000)));
                }
                hold.countDown();
                int failed = 0;
                for (CompletableFuture<RecordMetadata> send : sends) {
                    try {
                        acked.add(send.get(30, TimeUnit.SECONDS).offset());
                    } catch (ExecutionException e) {
                        assertThat(e.getCause()).isInstanceOf(StorageException.class);
                        failed++;
                    }
                }
                assertThat(acked).hasSizeGreaterThan(1_000).isEqualTo(LongStream.range(0, acked.size()).boxed()
                        .toList());
                assertThat(failed).isPositive();
                assertThat(writer.storageFailed()).isTrue();
                assertThat(readAll(log, 0)).extracting(Read::offset).isEqualTo(acked);

                tmpfs.resize("8m");
                support.clock.addAndGet(10_001); // past the longest backoff
                assertThat(send(shard, writer, "after").get(30, TimeUnit.SECONDS).offset()).isEqualTo(acked.size());
                assertThat(writer.storageFailed()).isFalse();
            } finally {
                shard.close();
                log.close();
            }
            // Nothing whose sender was told it failed is in the files.
            try (PartitionLog reopened = support.open(Map.of(), 0, 0, false)) {
                List<Read> read = readAll(reopened, 0);
                assertThat(read).hasSize(acked.size() + 1);
                assertThat(read.get(read.size() - 1).value()).isEqualTo("after");
            }
        }
    }

    private static CompletableFuture<RecordMetadata> send(JournalShard shard, PartitionWriter writer, String value) {
        CompletableFuture<RecordMetadata> future = new CompletableFuture<>();
        shard.tryPublish(writer, null, LogTestSupport.bytes(value), 1L, Record.EMPTY_HEADERS, (metadata, error) -> {
            if (error != null) {
                future.completeExceptionally(error);
            } else {
                future.complete(metadata);
            }
        });
        return future;
    }

    /** A value that makes a batch of one record keyed "k" exactly {@code batchBytes} long, as the test appends it. */
    private static String valueForBatchOf(int batchBytes) {
        for (int length = 1; length < batchBytes; length++) {
            String value = "v".repeat(length);
            MemoryRecords batch = MemoryRecords.withRecords(Compression.NONE,
                    new SimpleRecord(1L, LogTestSupport.bytes("k"), LogTestSupport.bytes(value)));
            if (batch.sizeInBytes() == batchBytes) {
                return value;
            }
        }
        throw new AssertionError("No value makes a batch of " + batchBytes + " bytes");
    }

    @Test
    void shouldLeaveTheLogAsItWasWhenAnAppendFindsTheDiskFullAndTakeAppendsOnceThereIsRoom() throws Exception {
        try (Tmpfs tmpfs = Tmpfs.mount(root.resolve("mnt"), "512k")) {
            support = new LogTestSupport(tmpfs.dir());
            Map<String, String> config = Map.of("index.interval.bytes", "512");
            String value = "v".repeat(900);
            int appended = 0;
            try (PartitionLog log = support.open(config)) {
                Throwable failure = null;
                while (failure == null && appended < 10_000) {
                    try {
                        append(log, "k" + appended, value, support.clock.get());
                        appended++;
                    } catch (StorageException e) {
                        failure = e;
                    }
                }
                assertThat(failure).isNotNull().hasMessageContaining("partition=t-0").rootCause()
                        .hasMessageContaining("No space left on device");
                LogSegment active = log.activeSegment();
                // Nothing of the failed batch stays in the file, and what is counted is what is there.
                assertThat(Files.size(active.file())).isEqualTo(active.sizeInBytes());
                assertThat(log.logEndOffset()).isEqualTo(appended).isEqualTo(log.highWatermark());
                assertThat(active.indexProblem(appended - 1, true)).isNull();
                assertThat(readAll(log, 0)).hasSize(appended);

                tmpfs.resize("1m");
                append(log, "after", "room", support.clock.get());
                assertThat(readAll(log, 0)).extracting(Read::offset).hasSize(appended + 1)
                        .isSorted().doesNotHaveDuplicates().endsWith((long) appended);
            }
            // The files hold exactly that: a recovery that validates every batch truncates nothing.
            try (PartitionLog log = support.open(config, 0, 0, false)) {
                assertThat(log.logEndOffset()).isEqualTo(appended + 1);
                assertThat(readAll(log, 0)).extracting(Read::value).last().isEqualTo("room");
            }
        }
    }
}
