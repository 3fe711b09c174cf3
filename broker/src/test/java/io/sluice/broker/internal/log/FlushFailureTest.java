package io.sluice.broker.internal.log;

import static io.sluice.broker.internal.log.LogTestSupport.append;
import static io.sluice.broker.internal.log.LogTestSupport.readAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.broker.RecordMetadata;
import io.sluice.broker.StorageException;
import io.sluice.broker.internal.ingest.JournalShard;
import io.sluice.broker.internal.ingest.PartitionWriter;
import io.sluice.broker.internal.log.LogTestSupport.Read;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A failed fsync, injected where the log records one: the log refuses appends and fsyncs until it is repaired, the
 * repair cuts off what was never made visible, and the journal refuses records with backoff and then takes them
 * again without a restart.
 */
@Timeout(60)
class FlushFailureTest {
    private static final StorageException FSYNC_FAILED = new StorageException("Cannot flush segment: file=x",
            new IOException("Input/output error"));

    @TempDir
    Path root;
    LogTestSupport support;

    @BeforeEach
    void setUp() {
        support = new LogTestSupport(root);
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        support.close();
    }

    @Test
    void shouldRefuseAppendsAndFsyncsAfterAFailedFsyncUntilRepaired() {
        try (PartitionLog log = support.open(Map.of())) {
            append(log, "a", "1", support.clock.get());
            log.flushFailed(FSYNC_FAILED);

            assertThat(log.flushFailed()).isTrue();
            assertThatThrownBy(() -> append(log, "b", "2", support.clock.get())).isInstanceOf(StorageException.class)
                    .hasMessageContaining("partition=t-0").hasCause(FSYNC_FAILED);
            assertThatThrownBy(log::flush).isInstanceOf(StorageException.class).hasCause(FSYNC_FAILED);
            assertThat(log.recoveryPoint()).isZero();

            log.repairAfterFlushFailure();

            assertThat(log.flushFailed()).isFalse();
            assertThat(log.recoveryPoint()).isEqualTo(1);
            append(log, "b", "2", support.clock.get());
            assertThat(readAll(log, 0)).extracting(Read::value).containsExactly("1", "2");
        }
    }

    @Test
    void shouldCutOffWhatWasNeverMadeVisibleWhenRepairedEvenPastARoll() {
        try (PartitionLog log = support.open(Map.of("segment.bytes", "300", "index.interval.bytes", "50"))) {
            for (int i = 0; i < 10; i++) {
                append(log, "k" + i, "visible-" + i, support.clock.get());
            }
            int segmentsBefore = log.numberOfSegments();
            for (int i = 0; i < 10; i++) {
                appendUnpublished(log, "k" + i, "never-visible-" + i);
            }
            assertThat(log.numberOfSegments()).isGreaterThan(segmentsBefore);
            log.flushFailed(FSYNC_FAILED);

            log.repairAfterFlushFailure();

            assertThat(log.logEndOffset()).isEqualTo(10).isEqualTo(log.highWatermark());
            assertThat(log.numberOfSegments()).isEqualTo(segmentsBefore);
            append(log, "next", "after-repair", support.clock.get());
            assertThat(readAll(log, 0)).extracting(Read::offset).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L,
                    9L, 10L);
            assertThat(readAll(log, 0)).extracting(Read::value).last().isEqualTo("after-repair");
        }
        // What is on disk is what was read: a restart that validates everything finds the same records.
        try (PartitionLog log = support.open(Map.of("segment.bytes", "300"), 0, 0, false)) {
            assertThat(log.logEndOffset()).isEqualTo(11);
            assertThat(readAll(log, 0)).extracting(Read::value).first().isEqualTo("visible-0");
        }
    }

    @Test
    void shouldRefuseRecordsWithBackoffAfterAFailedFsyncThenRepairAndTakeThemAgain() throws Exception {
        PartitionLog log = support.open(Map.of("flush.messages", "1"));
        JournalShard shard = new JournalShard(0, 1024, "blocking", support.clock::get);
        shard.start();
        try {
            PartitionWriter writer = shard.addPartition(log);
            assertThat(send(shard, writer, "before").get(10, TimeUnit.SECONDS).offset()).isZero();

            log.flushFailed(FSYNC_FAILED);
            CompletableFuture<RecordMetadata> refused = send(shard, writer, "refused");
            assertThatThrownBy(() -> refused.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(StorageException.class)
                    .hasRootCauseMessage("Input/output error");
            assertThat(writer.storageFailed()).isTrue();
            // The backoff is not over on the journal's clock: refused again, without a write.
            assertThatThrownBy(() -> send(shard, writer, "refused too").join()).isInstanceOf(CompletionException.class)
                    .hasCauseInstanceOf(StorageException.class);
            assertThat(writer.recordsRefused()).isEqualTo(2);

            support.clock.addAndGet(10_000);
            assertThat(send(shard, writer, "after").get(10, TimeUnit.SECONDS).offset()).isEqualTo(1);
            assertThat(writer.storageFailed()).isFalse();
            assertThat(log.flushFailed()).isFalse();
            assertThat(readAll(log, 0)).extracting(Read::value).containsExactly("before", "after");
        } finally {
            shard.close();
            log.close();
        }
    }

    private static CompletableFuture<RecordMetadata> send(JournalShard shard, PartitionWriter writer, String value) {
        CompletableFuture<RecordMetadata> future = new CompletableFuture<>();
        shard.tryPublish(writer, null, value.getBytes(StandardCharsets.UTF_8), 1L, Record.EMPTY_HEADERS,
                (metadata, error) -> {
                    if (error != null) {
                        future.completeExceptionally(error);
                    } else {
                        future.complete(metadata);
                    }
                });
        return future;
    }

    /** Appends a batch at the log end without making it visible, as a run waiting for its fsync is. */
    private void appendUnpublished(PartitionLog log, String key, String value) {
        long offset = log.logEndOffset();
        MemoryRecordsBuilder builder = new MemoryRecordsBuilder(ByteBuffer.allocate(256), RecordBatch.MAGIC_VALUE_V2,
                Compression.NONE, TimestampType.CREATE_TIME, offset, RecordBatch.NO_TIMESTAMP,
                RecordBatch.NO_PRODUCER_ID, RecordBatch.NO_PRODUCER_EPOCH, RecordBatch.NO_SEQUENCE, false, false,
                RecordBatch.NO_PARTITION_LEADER_EPOCH, Integer.MAX_VALUE);
        long timestamp = support.clock.get();
        builder.appendWithOffset(offset, timestamp, LogTestSupport.bytes(key), LogTestSupport.bytes(value),
                Record.EMPTY_HEADERS);
        MemoryRecords batch = builder.build();
        log.append(batch, offset, timestamp, offset, 1);
    }
}
