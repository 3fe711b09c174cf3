package io.sluice.broker.internal.log;

import static io.sluice.broker.internal.log.LogTestSupport.append;
import static io.sluice.broker.internal.log.LogTestSupport.readAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.broker.OffsetAndTimestamp;
import io.sluice.broker.OffsetOutOfRangeException;
import io.sluice.broker.internal.log.LogTestSupport.Read;
import io.sluice.broker.internal.log.LogTestSupport.Rec;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PartitionLogTest {
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

    private long now() {
        return support.clock.get();
    }

    @Test
    void shouldReadBackEveryRecordAcrossSegmentRolls() {
        try (PartitionLog log = support.open(Map.of("segment.bytes", "1024", "index.interval.bytes", "100"))) {
            List<Rec> written = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                Rec r = Rec.of("k" + i, "value-" + i, now() + i);
                written.add(r);
                if (i % 3 == 0) {
                    append(log, List.of(r));
                } else {
                    append(log, List.of(r));
                }
            }
            assertThat(log.numberOfSegments()).isGreaterThan(10);
            assertThat(log.logEndOffset()).isEqualTo(500);
            for (int from : new int[] {0, 1, 17, 250, 499}) {
                List<Read> read = readAll(log, from);
                assertThat(read).hasSize(500 - from);
                for (Read r : read) {
                    Rec w = written.get((int) r.offset());
                    assertThat(r.key()).isEqualTo(w.key());
                    assertThat(r.value()).isEqualTo(w.value());
                    assertThat(r.timestamp()).isEqualTo(w.timestamp());
                }
            }
        }
    }

    @Test
    void shouldKeepUnpublishedRecordsInvisible() {
        try (PartitionLog log = support.open(Map.of())) {
            append(log, "a", "1", now());
            long base = log.logEndOffset();
            var builderLog = log;
            // append without publishing
            var records = org.apache.kafka.common.record.MemoryRecords.withRecords(base,
                    org.apache.kafka.common.compress.Compression.NONE,
                    new org.apache.kafka.common.record.SimpleRecord(now(), "b".getBytes(), "2".getBytes()));
            builderLog.append(records, base, now(), base, 1);
            assertThat(log.logEndOffset()).isEqualTo(2);
            assertThat(log.highWatermark()).isEqualTo(1);
            assertThat(readAll(log, 0)).extracting(Read::value).containsExactly("1");
            log.publish();
            assertThat(readAll(log, 0)).extracting(Read::value).containsExactly("1", "2");
        }
    }

    @Test
    void shouldRejectReadsOutsideTheLog() {
        try (PartitionLog log = support.open(Map.of())) {
            append(log, "a", "1", now());
            assertThat(log.read(1, 100).isEmpty()).isTrue();
            assertThatThrownBy(() -> log.read(2, 100)).isInstanceOf(OffsetOutOfRangeException.class)
                    .hasMessageContaining("offset=2");
            assertThatThrownBy(() -> log.read(-1, 100)).isInstanceOf(OffsetOutOfRangeException.class);
        }
    }

    @Test
    void shouldReturnAtLeastOneWholeBatchWhateverMaxBytes() {
        try (PartitionLog log = support.open(Map.of())) {
            List<Rec> batch = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                batch.add(Rec.of("k", "v".repeat(100), now()));
            }
            append(log, batch);
            append(log, batch);
            PartitionLog.ReadResult result = log.read(10, 1);
            int batches = 0;
            for (var b : result.records().batches()) {
                assertThat(b.baseOffset()).isZero();
                batches++;
            }
            assertThat(batches).isEqualTo(1);
        }
    }

    @Test
    void shouldReadFromWhereACaughtUpReaderStandsExactlyAsFromAnyOtherOffset() {
        // Small batches and no index entries for a while: a read from an offset the log knows no position for scans
        // batch headers; one from a recent high watermark starts there. Both must return the same records.
        try (PartitionLog log = support.open(Map.of("segment.bytes", "3000", "index.interval.bytes", "4096"))) {
            List<Rec> written = new ArrayList<>();
            long caughtUp = 0;
            for (int i = 0; i < 400; i++) {
                int size = 1 + i % 3;
                List<Rec> batch = new ArrayList<>();
                for (int j = 0; j < size; j++) {
                    batch.add(Rec.of("k" + written.size(), "v" + written.size(), now()));
                    written.add(batch.get(j));
                }
                append(log, batch);
                if (i % 5 != 4) {
                    // A reader keeping up: everything from where it stood to the high watermark (in two reads
                    // when a segment rolled in between: the first ends with the older segment).
                    while (caughtUp < log.highWatermark()) {
                        PartitionLog.ReadResult result = log.read(caughtUp, 1 << 20);
                        List<Long> offsets = offsetsIn(result);
                        assertThat(offsets).first().isEqualTo(caughtUp);
                        if (result.endOffset() >= 0) {
                            assertThat(result.endOffset()).isEqualTo(log.highWatermark());
                            assertThat(offsets).last().isEqualTo(log.highWatermark() - 1);
                        }
                        caughtUp = offsets.get(offsets.size() - 1) + 1;
                    }
                }
            }
            assertThat(log.numberOfSegments()).isGreaterThan(5);
            long end = log.highWatermark();
            for (long from = 0; from < end; from++) {
                List<Read> read = readAll(log, from);
                assertThat(read).hasSize((int) (end - from));
                assertThat(read.get(0).value()).isEqualTo(written.get((int) from).value());
            }
            // Less room than the tail holds: whole batches up to the limit, the first one always.
            long recent = end - 3;
            PartitionLog.ReadResult limited = log.read(recent, 1);
            assertThat(offsetsIn(limited)).isNotEmpty().allMatch(o -> o <= end - 1);
            assertThat(offsetsIn(limited)).contains(recent);
        }
    }

    private static List<Long> offsetsIn(PartitionLog.ReadResult result) {
        List<Long> offsets = new ArrayList<>();
        for (var batch : result.records().batches()) {
            for (var record : batch) {
                offsets.add(record.offset());
            }
        }
        return offsets;
    }

    @Test
    void shouldRollSegmentsByRecordTime() {
        try (PartitionLog log = support.open(Map.of("segment.ms", "1000"))) {
            append(log, "a", "1", now());
            append(log, "a", "2", now() + 500);
            assertThat(log.numberOfSegments()).isEqualTo(1);
            append(log, "a", "3", now() + 1500);
            assertThat(log.numberOfSegments()).isEqualTo(2);
            assertThat(log.activeSegment().baseOffset).isEqualTo(2);
        }
    }

    @Test
    void shouldFindOffsetsByTimestampLikeAnOracle() {
        Random random = new Random(42);
        try (PartitionLog log = support.open(Map.of("segment.bytes", "2000", "index.interval.bytes", "64"))) {
            TreeMap<Long, Long> firstOffsetAtOrAfter = new TreeMap<>();
            List<Long> timestamps = new ArrayList<>();
            long ts = now();
            for (int i = 0; i < 400; i++) {
                ts += random.nextInt(5) == 0 ? -random.nextInt(50) : random.nextInt(100);
                timestamps.add(ts);
                append(log, "k", "v" + i, ts);
            }
            for (int probe = 0; probe < 300; probe++) {
                long target = now() - 100 + random.nextInt(25_000);
                Long expected = null;
                for (int i = 0; i < timestamps.size(); i++) {
                    if (timestamps.get(i) >= target) {
                        expected = (long) i;
                        break;
                    }
                }
                OffsetAndTimestamp found = log.offsetForTimestamp(target);
                if (expected == null) {
                    assertThat(found).as("target %d", target).isNull();
                } else {
                    assertThat(found).as("target %d", target).isNotNull();
                    assertThat(found.offset()).as("target %d", target).isEqualTo(expected);
                    assertThat(found.timestamp()).isEqualTo(timestamps.get(expected.intValue()));
                }
            }
            firstOffsetAtOrAfter.clear();
        }
    }

    @Test
    void shouldRestoreEverythingAfterCleanReopen() {
        Map<String, String> config = Map.of("segment.bytes", "600");
        try (PartitionLog log = support.open(config)) {
            for (int i = 0; i < 100; i++) {
                append(log, "k" + i, "v" + i, now() + i);
            }
        }
        try (PartitionLog log = support.open(config, 100, 0, true)) {
            assertThat(log.logEndOffset()).isEqualTo(100);
            assertThat(readAll(log, 0)).extracting(Read::value)
                    .containsExactlyElementsOf(java.util.stream.IntStream.range(0, 100).mapToObj(i -> "v" + i)
                            .toList());
            assertThat(log.offsetForTimestamp(now() + 42).offset()).isEqualTo(42);
            append(log, "k", "after", now());
            assertThat(log.logEndOffset()).isEqualTo(101);
        }
    }

    @Test
    void shouldCreateNoFileForAnEmptyLogUntilItsFirstAppend() {
        try (PartitionLog log = support.open(Map.of())) {
            assertThat(support.dir).doesNotExist();
            assertThat(log.read(0, 1024).isEmpty()).isTrue();
            assertThat(log.offsetForTimestamp(0)).isNull();
            assertThat(log.deleteOldSegments()).isZero();
            log.flush();
            assertThat(log.sizeInBytes()).isZero();
            assertThat(support.dir).as("reads, lookups, retention and flushes of an empty log").doesNotExist();

            append(log, "k", "first", now());
            assertThat(LogFiles.logFile(support.dir, 0)).exists();
            assertThat(LogFiles.indexFile(support.dir, 0)).exists();
            assertThat(readAll(log, 0)).extracting(Read::value).containsExactly("first");
        }
        try (PartitionLog log = support.open(Map.of(), 1, 0, true)) {
            assertThat(readAll(log, 0)).extracting(Read::value).containsExactly("first");
        }
    }

    @Test
    void shouldKeepNoSegmentOpenAfterLoadingUntilTheLogIsUsed() {
        Map<String, String> config = Map.of("segment.bytes", "600");
        try (PartitionLog log = support.open(config)) {
            for (int i = 0; i < 50; i++) {
                append(log, "k" + i, "v" + i, now() + i);
            }
        }
        for (boolean clean : new boolean[] {true, false}) {
            try (PartitionLog log = support.open(config, clean ? 50 : 0, 0, clean)) {
                assertThat(log.numberOfSegments()).isGreaterThan(3);
                assertThat(log.segments()).as("clean=" + clean).noneMatch(LogSegment::isOpen);
                assertThat(log.logEndOffset()).isEqualTo(50);
                assertThat(log.offsetForTimestamp(now() + 42).offset()).isEqualTo(42);
                assertThat(readAll(log, 0)).hasSize(50);
            }
        }
        try (PartitionLog log = support.open(config, 50, 0, true)) {
            append(log, "k", "after", now() + 100);
            assertThat(readAll(log, 49)).extracting(Read::value).containsExactly("v49", "after");
        }
    }

    @Test
    void shouldRollDeleteAndReopenSegmentsThatWereNeverOpenedSinceLoading() {
        Map<String, String> config = Map.of("segment.bytes", "600");
        try (PartitionLog log = support.open(config)) {
            for (int i = 0; i < 50; i++) {
                append(log, "k" + i, "v" + i, now() + i);
            }
        }
        try (PartitionLog log = support.open(config, 50, 0, true)) {
            assertThat(log.deleteRecordsBefore(50)).isEqualTo(50);
            assertThat(log.numberOfSegments()).isEqualTo(1);
            assertThat(log.read(50, 1024).isEmpty()).isTrue();
            append(log, "k", "after", now() + 100);
        }
        try (PartitionLog log = support.open(config, 51, 50, true)) {
            assertThat(log.logStartOffset()).isEqualTo(50);
            assertThat(readAll(log, 50)).extracting(Read::value).containsExactly("after");
        }
    }

    @Test
    void shouldTruncateTornTailOnRecovery() throws IOException {
        try (PartitionLog log = support.open(Map.of())) {
            for (int i = 0; i < 10; i++) {
                append(log, "k" + i, "v" + i, now());
            }
        }
        Path segment = LogFiles.logFile(support.dir, 0);
        long goodSize = Files.size(segment);
        // A torn write: the first 30 bytes of a copy of the last batch, as a crash mid-write leaves them.
        byte[] all = Files.readAllBytes(segment);
        try (RandomAccessFile file = new RandomAccessFile(segment.toFile(), "rw")) {
            file.seek(goodSize);
            file.write(all, 0, 30);
        }
        try (PartitionLog log = support.open(Map.of(), 0, 0, false)) {
            assertThat(Files.size(segment)).isEqualTo(goodSize);
            assertThat(log.logEndOffset()).isEqualTo(10);
            assertThat(readAll(log, 0)).hasSize(10);
            append(log, "k", "next", now());
            assertThat(readAll(log, 0)).extracting(Read::value).endsWith("v9", "next");
        }
    }

    @Test
    void shouldTruncateGarbageAfterCleanShutdown() throws IOException {
        try (PartitionLog log = support.open(Map.of())) {
            for (int i = 0; i < 10; i++) {
                append(log, "k" + i, "v" + i, now());
            }
        }
        Path segment = LogFiles.logFile(support.dir, 0);
        long goodSize = Files.size(segment);
        try (RandomAccessFile file = new RandomAccessFile(segment.toFile(), "rw")) {
            file.seek(goodSize);
            file.write(new byte[] {0, 0, 0, 0, 0, 0, 0, 10, 0, 0, 0, 100, 1, 2, 3, 4, 5, 6, 7, 8, 9});
        }
        try (PartitionLog log = support.open(Map.of(), 10, 0, true)) {
            assertThat(Files.size(segment)).isEqualTo(goodSize);
            assertThat(log.logEndOffset()).isEqualTo(10);
            assertThat(readAll(log, 0)).hasSize(10);
        }
    }

    @Test
    void shouldTruncateAtTheFirstBatchWithABadChecksum() throws IOException {
        List<Long> positions = new ArrayList<>();
        try (PartitionLog log = support.open(Map.of())) {
            for (int i = 0; i < 10; i++) {
                positions.add((long) log.activeSegment().sizeInBytes());
                append(log, "k" + i, "v" + i, now());
            }
        }
        Path segment = LogFiles.logFile(support.dir, 0);
        // Flip a byte inside the value of batch 7 (after its 61-byte header).
        try (RandomAccessFile file = new RandomAccessFile(segment.toFile(), "rw")) {
            long at = positions.get(7) + 70;
            file.seek(at);
            int b = file.read();
            file.seek(at);
            file.write(b ^ 0xFF);
        }
        try (PartitionLog log = support.open(Map.of(), 0, 0, false)) {
            assertThat(log.logEndOffset()).isEqualTo(7);
            assertThat(readAll(log, 0)).extracting(Read::value).containsExactly("v0", "v1", "v2", "v3", "v4",
                    "v5", "v6");
            assertThat(Files.size(segment)).isEqualTo(positions.get(7));
        }
    }

    @Test
    void shouldRebuildMissingAndCorruptIndexes() throws IOException {
        Map<String, String> config = Map.of("segment.bytes", "2000", "index.interval.bytes", "50");
        try (PartitionLog log = support.open(config)) {
            for (int i = 0; i < 200; i++) {
                append(log, "k" + i, "v" + i, now() + i);
            }
        }
        List<Path> indexes;
        try (Stream<Path> files = Files.list(support.dir)) {
            indexes = files.filter(p -> p.toString().endsWith(".index") || p.toString().endsWith(".timeindex"))
                    .sorted().toList();
        }
        assertThat(indexes).hasSizeGreaterThan(4);
        Files.delete(indexes.get(0));
        Files.delete(indexes.get(indexes.size() - 3)); // a time index of an inactive segment
        Files.write(indexes.get(2), new byte[] {1, 2, 3, 4, 5, 6, 7}); // not a whole entry
        Path timeIndex = indexes.stream().filter(p -> p.toString().endsWith(".timeindex")).skip(1).findFirst()
                .orElseThrow();
        byte[] garbage = new byte[24];
        java.util.Arrays.fill(garbage, (byte) 0x7F);
        Files.write(timeIndex, garbage);
        try (PartitionLog log = support.open(config, 200, 0, true)) {
            assertThat(log.logEndOffset()).isEqualTo(200);
            for (int from = 0; from < 200; from += 13) {
                assertThat(readAll(log, from).get(0).offset()).isEqualTo(from);
                assertThat(log.offsetForTimestamp(now() + from).offset()).isEqualTo(from);
            }
        }
    }

    @Test
    void shouldDeleteSegmentsOlderThanRetentionMs() {
        Map<String, String> config = Map.of("segment.bytes", "300", "retention.ms", "60000",
                "file.delete.delay.ms", "0");
        try (PartitionLog log = support.open(config)) {
            for (int i = 0; i < 30; i++) {
                append(log, "k", "v" + i, now() - 120_000 + i);
            }
            int before = log.numberOfSegments();
            for (int i = 0; i < 5; i++) {
                append(log, "k", "new" + i, now());
            }
            assertThat(before).isGreaterThan(3);
            int deleted = log.deleteOldSegments();
            assertThat(deleted).isGreaterThan(0);
            assertThat(log.logStartOffset()).isGreaterThan(0);
            List<Read> remaining = readAll(log, log.logStartOffset());
            assertThat(remaining).extracting(Read::value).contains("new0", "new4");
            assertThat(remaining.stream().allMatch(r -> r.offset() >= log.logStartOffset())).isTrue();
            assertThatThrownBy(() -> log.read(0, 100)).isInstanceOf(OffsetOutOfRangeException.class);
        }
    }

    @Test
    void shouldDeleteEverySegmentIncludingTheActiveOneWhenAllExpired() {
        Map<String, String> config = Map.of("retention.ms", "1000", "file.delete.delay.ms", "0");
        try (PartitionLog log = support.open(config)) {
            for (int i = 0; i < 5; i++) {
                append(log, "k", "v" + i, now());
            }
            support.clock.addAndGet(5000);
            assertThat(log.deleteOldSegments()).isEqualTo(1);
            assertThat(log.logStartOffset()).isEqualTo(5);
            assertThat(log.logEndOffset()).isEqualTo(5);
            assertThat(log.numberOfSegments()).isEqualTo(1);
            append(log, "k", "later", now());
            assertThat(readAll(log, 5)).extracting(Read::value).containsExactly("later");
        }
    }

    @Test
    void shouldDeleteOldestSegmentsBeyondRetentionBytes() {
        Map<String, String> config = Map.of("segment.bytes", "500", "retention.bytes", "1500",
                "file.delete.delay.ms", "0");
        try (PartitionLog log = support.open(config)) {
            for (int i = 0; i < 100; i++) {
                append(log, "k", "value-" + i, now());
            }
            long before = log.sizeInBytes();
            log.deleteOldSegments();
            assertThat(before).isGreaterThan(1500);
            // As Kafka: the oldest segments go while what remains is still at least retention.bytes.
            assertThat(log.sizeInBytes()).isGreaterThanOrEqualTo(1500);
            assertThat(log.sizeInBytes() - log.segments().get(0).sizeInBytes()).isLessThan(1500);
            assertThat(readAll(log, log.logStartOffset()).get(0).offset()).isEqualTo(log.logStartOffset());
        }
    }

    @Test
    void shouldKeepLogStartOffsetAcrossReopen() {
        Map<String, String> config = Map.of("segment.bytes", "300", "retention.bytes", "600",
                "file.delete.delay.ms", "0");
        long start;
        try (PartitionLog log = support.open(config)) {
            for (int i = 0; i < 50; i++) {
                append(log, "k", "v" + i, now());
            }
            log.deleteOldSegments();
            start = log.logStartOffset();
        }
        try (PartitionLog log = support.open(config, 50, start, true)) {
            assertThat(log.logStartOffset()).isEqualTo(start);
            assertThat(log.logEndOffset()).isEqualTo(50);
        }
    }
}
