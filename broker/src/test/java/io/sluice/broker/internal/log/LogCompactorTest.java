package io.sluice.broker.internal.log;

import static io.sluice.broker.internal.log.LogTestSupport.append;
import static io.sluice.broker.internal.log.LogTestSupport.readAll;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.broker.OffsetAndTimestamp;
import io.sluice.broker.internal.log.LogTestSupport.Read;
import io.sluice.broker.internal.log.LogTestSupport.Rec;
import io.sluice.broker.RawBatch;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LogCompactorTest {
    /** Runs the swap on the calling thread: the test is the log's only writer. */
    private static final LogCompactor.WriterThread DIRECT = new LogCompactor.WriterThread() {
        @Override
        public <T> T call(Callable<T> task) throws Exception {
            return task.call();
        }
    };

    private static final long DELETE_RETENTION_MS = 60_000;

    @TempDir
    Path root;
    LogTestSupport support;
    final LogCompactor compactor = new LogCompactor(1_000_000);

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

    private static Map<String, String> compactConfig(String... overrides) {
        Map<String, String> config = new HashMap<>(Map.of(
                "cleanup.policy", "compact",
                "segment.bytes", "700",
                "index.interval.bytes", "100",
                "delete.retention.ms", Long.toString(DELETE_RETENTION_MS),
                "file.delete.delay.ms", "0"));
        for (int i = 0; i < overrides.length; i += 2) {
            config.put(overrides[i], overrides[i + 1]);
        }
        return config;
    }

    /** Appends {@code count} records over {@code keys}, in batches of 1 to 5; returns what was written. */
    private List<Read> writeRandomly(PartitionLog log, Random random, int count, int keys, long timestamp) {
        List<Read> written = new ArrayList<>();
        while (written.size() < count) {
            int batchSize = Math.min(count - written.size(), 1 + random.nextInt(5));
            List<Rec> batch = new ArrayList<>();
            for (int i = 0; i < batchSize; i++) {
                String key = "key-" + random.nextInt(keys);
                batch.add(Rec.of(key, key + "@" + (log.logEndOffset() + i), timestamp));
            }
            long base = append(log, batch);
            for (int i = 0; i < batch.size(); i++) {
                written.add(new Read(base + i, batch.get(i).key(), batch.get(i).value(), timestamp));
            }
        }
        return written;
    }

    /** The last record of each key, in offset order. */
    private static List<Read> latestPerKey(List<Read> records) {
        Map<String, Read> latest = new LinkedHashMap<>();
        for (Read r : records) {
            latest.remove(r.key());
            latest.put(r.key(), r);
        }
        return latest.values().stream().sorted(java.util.Comparator.comparingLong(Read::offset)).toList();
    }

    /** Replays the log into key -> latest value, as a consumer restoring a table would; tombstones remove. */
    private static Map<String, String> replay(List<Read> records) {
        Map<String, String> table = new HashMap<>();
        for (Read r : records) {
            if (r.value() == null) {
                table.remove(r.key());
            } else {
                table.put(r.key(), r.value());
            }
        }
        return table;
    }

    private static List<Read> below(List<Read> records, long offset) {
        return records.stream().filter(r -> r.offset() < offset).toList();
    }

    private static List<Read> atOrAfter(List<Read> records, long offset) {
        return records.stream().filter(r -> r.offset() >= offset).toList();
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 5, 77})
    void shouldKeepOnlyTheLatestValuePerKeyInSegmentsThatStoppedGrowing(long seed) {
        Random random = new Random(seed);
        try (PartitionLog log = support.open(compactConfig())) {
            List<Read> written = new ArrayList<>(writeRandomly(log, random, 300, 6, now()));
            log.roll();
            long activeBase = log.activeSegment().baseOffset;
            // The active segment is never compacted: its duplicates stay.
            written.addAll(writeRandomly(log, random, 8, 2, now()));
            int inactiveSegments = log.numberOfSegments() - 1;
            assertThat(inactiveSegments).isGreaterThan(5);

            LogCompactor.Result result = compactor.compact(log, now(), DIRECT);

            List<Read> expectedCompacted = latestPerKey(below(written, activeBase));
            List<Read> expected = new ArrayList<>(expectedCompacted);
            expected.addAll(atOrAfter(written, activeBase));
            // Every kept record keeps its offset (Read compares offsets too).
            assertThat(readAll(log, 0)).containsExactlyElementsOf(expected);
            assertThat(result.segmentsCleaned()).isEqualTo(inactiveSegments);
            assertThat(result.recordsRead()).isEqualTo(activeBase);
            assertThat(result.recordsRemoved()).isEqualTo(activeBase - expectedCompacted.size());
            assertThat(result.bytesAfter()).isLessThan(result.bytesBefore());
            assertThat(log.logStartOffset()).isZero();
            assertThat(log.logEndOffset()).isEqualTo(written.size());
            // A read from any offset, kept or removed, starts at the first kept record at or after it.
            for (long from = 0; from < log.logEndOffset(); from++) {
                long f = from;
                assertThat(readAll(log, from)).containsExactlyElementsOf(
                        expected.stream().filter(r -> r.offset() >= f).toList());
            }
        }
    }

    @Test
    void shouldReadTheLatestValueOfEveryKeyAfterCompaction() {
        Random random = new Random(11);
        try (PartitionLog log = support.open(compactConfig())) {
            List<Read> written = new ArrayList<>();
            for (int round = 0; round < 3; round++) {
                written.addAll(writeRandomly(log, random, 150, 10, now()));
                support.clock.addAndGet(1_000);
                compactor.compact(log, now(), DIRECT);
                assertThat(replay(readAll(log, 0))).isEqualTo(replay(written));
            }
            log.roll();
            compactor.compact(log, now(), DIRECT);
            List<Read> read = readAll(log, 0);
            assertThat(replay(read)).isEqualTo(replay(written)).hasSize(10);
            assertThat(read).containsExactlyElementsOf(latestPerKey(written));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"none", "snappy"})
    void shouldLeaveALogWithACorruptBatchAsItIsAndCompactTheOthers(String codec) {
        try (PartitionLog corrupt = support.open(compactConfig());
             PartitionLog healthy = PartitionLog.open(root.resolve("t-1"), new io.sluice.broker.TopicPartition("t", 1),
                     LogConfig.of(compactConfig()), 0, 0, true, support.background, support.clock::get)) {
            Random random = new Random(5);
            writeRandomly(corrupt, random, 30, 5, now());
            long base = corrupt.logEndOffset();
            byte[] bad = codec.equals("none")
                    ? new RawBatch().record(0, new RawBatch.Body().offsetDelta(0).bytes("k").bytes("v").varint(0), 60)
                            .build(base)
                    : new RawBatch().record(0, "key-1", "not snappy at all").buildFlaggedAs(base,
                            org.apache.kafka.common.record.CompressionType.SNAPPY);
            corrupt.append(MemoryRecords.readableRecords(ByteBuffer.wrap(bad)), base, now(), base, 1);
            corrupt.publish();
            writeRandomly(corrupt, random, 60, 5, now());
            corrupt.roll();
            List<Read> healthyWritten = writeRandomly(healthy, random, 90, 5, now());
            healthy.roll();
            long sizeBefore = corrupt.sizeInBytes();
            List<LogSegment> segmentsBefore = corrupt.segments();

            assertThat(compactor.isDue(corrupt, now())).isTrue();
            assertThat(compactor.compact(corrupt, now(), DIRECT)).isEqualTo(LogCompactor.Result.NOTHING);
            assertThat(compactor.isDue(corrupt, now())).isFalse();
            assertThat(corrupt.sizeInBytes()).isEqualTo(sizeBefore);
            assertThat(corrupt.segments()).isEqualTo(segmentsBefore);

            assertThat(compactor.compact(healthy, now(), DIRECT).segmentsCleaned()).isPositive();
            assertThat(readAll(healthy, 0)).containsExactlyElementsOf(latestPerKey(healthyWritten));
        }
    }

    @Test
    void shouldKeepEverySegmentsIndexFilesOnDiskAfterCompaction() throws IOException {
        Map<String, String> config = compactConfig();
        Random random = new Random(3);
        List<Read> written = new ArrayList<>();
        try (PartitionLog log = support.open(config)) {
            written.addAll(writeRandomly(log, random, 200, 5, now()));
            log.roll();
            assertThat(compactor.compact(log, now(), DIRECT).segmentsCleaned()).isGreaterThan(1);
            // The active segment, empty since the roll, has no files until its first append.
            for (LogSegment segment : log.segments().subList(0, log.numberOfSegments() - 1)) {
                assertThat(LogFiles.indexFile(support.dir, segment.baseOffset)).exists();
                assertThat(LogFiles.timeIndexFile(support.dir, segment.baseOffset)).exists();
            }
            try (Stream<Path> files = Files.list(support.dir)) {
                assertThat(files.map(p -> p.getFileName().toString()))
                        .noneMatch(name -> name.endsWith(LogFiles.DELETED) || name.endsWith(LogFiles.CLEANED)
                                || name.endsWith(LogFiles.SWAP));
            }
        }
        try (PartitionLog log = support.open(config, written.size(), 0, true)) {
            assertThat(readAll(log, 0)).containsExactlyElementsOf(latestPerKey(written));
        }
        // Recovery validates the compacted segments, gaps in offsets included.
        try (PartitionLog log = support.open(config, 0, 0, false)) {
            assertThat(log.logEndOffset()).isEqualTo(written.size());
            assertThat(readAll(log, 0)).containsExactlyElementsOf(latestPerKey(written));
        }
    }

    @Test
    void shouldCompactInSeveralPassesWhenTheKeyMapIsBounded() {
        LogCompactor bounded = new LogCompactor(4);
        Random random = new Random(21);
        try (PartitionLog log = support.open(compactConfig())) {
            List<Read> written = writeRandomly(log, random, 120, 12, now());
            log.roll();
            int passes = 0;
            while (bounded.isDue(log, now())) {
                LogCompactor.Result result = bounded.compact(log, now(), DIRECT);
                assertThat(result.segmentsCleaned()).isPositive();
                assertThat(replay(readAll(log, 0))).isEqualTo(replay(written));
                passes++;
                assertThat(passes).isLessThan(100);
            }
            // One pass maps no more segments than the bound allows, so it took several.
            assertThat(passes).isGreaterThan(1);
            bounded.compact(log, now(), DIRECT);
            assertThat(readAll(log, 0)).containsExactlyElementsOf(latestPerKey(written));
        }
    }

    @Test
    void shouldDropTombstonesOnlyAfterDeleteRetentionHasPassedSinceTheFirstPass() {
        try (PartitionLog log = support.open(compactConfig())) {
            List<Read> written = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                for (String key : List.of("a", "b", "c")) {
                    long offset = append(log, key, key + i, now());
                    written.add(new Read(offset, key, key + i, now()));
                }
            }
            long tombstoneOffset = append(log, "b", null, now());
            written.add(new Read(tombstoneOffset, "b", null, now()));
            log.roll();

            long firstPass = now();
            compactor.compact(log, firstPass, DIRECT);
            List<Read> afterFirst = readAll(log, 0);
            assertThat(afterFirst).extracting(Read::key).containsExactly("a", "c", "b");
            assertThat(afterFirst.get(2)).isEqualTo(new Read(tombstoneOffset, "b", null, firstPass));
            assertThat(replay(afterFirst)).isEqualTo(Map.of("a", "a29", "c", "c29"));

            // Just before the horizon: a pass over new dirty data keeps the tombstone.
            support.clock.set(firstPass + DELETE_RETENTION_MS - 1);
            assertThat(compactor.isDue(log, now())).isFalse();
            append(log, "d", "d0", now());
            log.roll();
            compactor.compact(log, now(), DIRECT);
            assertThat(readAll(log, 0)).extracting(Read::offset).contains(tombstoneOffset);

            // At the horizon the log is due even without dirty data, and the pass removes the tombstone.
            support.clock.set(firstPass + DELETE_RETENTION_MS);
            assertThat(compactor.isDue(log, now())).isTrue();
            LogCompactor.Result result = compactor.compact(log, now(), DIRECT);
            assertThat(result.recordsRemoved()).isEqualTo(1);
            List<Read> afterHorizon = readAll(log, 0);
            assertThat(afterHorizon).extracting(Read::key).containsExactly("a", "c", "d");
            assertThat(replay(afterHorizon)).isEqualTo(Map.of("a", "a29", "c", "c29", "d", "d0"));
            assertThat(compactor.isDue(log, now())).isFalse();
            assertThat(log.logEndOffset()).isEqualTo(written.size() + 1);
        }
    }

    @Test
    void shouldKeepTheLastBatchBeforeARollReadableWhenCompactionRewritesItLarger() {
        try (PartitionLog log = support.open(compactConfig())) {
            append(log, "a", "1", now());
            long tombstone = append(log, "b", null, now() + 1_000);
            log.roll();
            int sizeBefore = lastBatchSize(log.segments().get(0));
            compactor.compact(log, now(), DIRECT);
            // Nothing is superseded, but stamping the delete horizon re-encodes the tombstone's timestamp against
            // it: the batch, and so the segment, grows.
            assertThat(lastBatchSize(log.segments().get(0))).isGreaterThan(sizeBefore);
            assertThat(readAll(log, tombstone)).containsExactly(new Read(tombstone, "b", null, now() + 1_000));
            assertThat(readAll(log, 0)).extracting(Read::offset).containsExactly(0L, tombstone);
            assertThat(log.offsetForTimestamp(now() + 1)).isEqualTo(new OffsetAndTimestamp(tombstone, now() + 1_000));
        }
    }

    private static int lastBatchSize(LogSegment segment) {
        int size = -1;
        for (RecordBatch batch : segment.readAll().batches()) {
            size = batch.sizeInBytes();
        }
        return size;
    }

    @Test
    void shouldDropATombstoneAndTheValuesBeforeItWhenTheKeyIsWrittenAgain() {
        // A key deleted, then written again: only the new value is left, without waiting for delete.retention.ms.
        try (PartitionLog log = support.open(compactConfig())) {
            append(log, "k", "old", now());
            append(log, "k", null, now());
            append(log, "k", "new", now());
            for (int i = 0; i < 20; i++) {
                append(log, "filler", "f" + i, now());
            }
            log.roll();
            compactor.compact(log, now(), DIRECT);
            assertThat(readAll(log, 0)).containsExactly(new Read(2, "k", "new", now()),
                    new Read(22, "filler", "f19", now()));
        }
    }

    @Test
    void shouldNotCompactRecordsNewerThanTheMinimumCompactionLag() {
        long lag = 3_600_000;
        try (PartitionLog log = support.open(compactConfig("min.compaction.lag.ms", Long.toString(lag)))) {
            long old = now() - 2 * lag;
            List<Read> written = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                long offset = append(log, "a", "a-old" + i, old + i);
                written.add(new Read(offset, "a", "a-old" + i, old + i));
            }
            log.roll();
            long firstRecent = log.logEndOffset();
            for (int i = 0; i < 40; i++) {
                String key = i % 2 == 0 ? "a" : "b";
                long offset = append(log, key, key + "-new" + i, now());
                written.add(new Read(offset, key, key + "-new" + i, now()));
            }
            log.roll();
            assertThat(log.segments().stream().filter(s -> s.baseOffset < firstRecent)).hasSizeGreaterThan(1);

            compactor.compact(log, now(), DIRECT);
            // Only the old segments were cleanable: the newest old value of "a" stays, since the recent values
            // that supersede it were not mapped; every recent record stays.
            List<Read> expected = new ArrayList<>();
            expected.add(written.get((int) firstRecent - 1));
            expected.addAll(atOrAfter(written, firstRecent));
            assertThat(readAll(log, 0)).containsExactlyElementsOf(expected);

            support.clock.addAndGet(lag + 1);
            compactor.compact(log, now(), DIRECT);
            assertThat(readAll(log, 0)).containsExactlyElementsOf(latestPerKey(written));
        }
    }

    @Test
    void shouldBeDueWhenTheDirtyShareReachesTheMinimumCleanableRatio() {
        Map<String, String> config = compactConfig("min.cleanable.dirty.ratio", "0.5", "segment.bytes", "400");
        try (PartitionLog log = support.open(config)) {
            assertThat(compactor.isDue(log, now())).as("nothing but the active segment").isFalse();
            for (int i = 0; i < 60; i++) {
                append(log, "k" + i, "v" + i, now());
            }
            assertThat(compactor.isDue(log, now())).as("all dirty").isTrue();
            log.roll();
            compactor.compact(log, now(), DIRECT);
            long cleanEnd = log.activeSegment().baseOffset;
            assertThat(compactor.isDue(log, now())).as("all clean").isFalse();

            boolean sawNotDue = false;
            boolean sawDue = false;
            for (int i = 0; i < 150; i++) {
                append(log, "k" + (i % 20), "w" + i, now());
                long clean = 0;
                long dirty = 0;
                List<LogSegment> segments = log.segments();
                for (LogSegment segment : segments.subList(0, segments.size() - 1)) {
                    if (segment.baseOffset < cleanEnd) {
                        clean += segment.sizeInBytes();
                    } else {
                        dirty += segment.sizeInBytes();
                    }
                }
                boolean expected = dirty > 0 && (double) dirty / (clean + dirty) >= 0.5;
                assertThat(compactor.isDue(log, now())).as("clean=%d, dirty=%d", clean, dirty).isEqualTo(expected);
                sawNotDue |= dirty > 0 && !expected;
                sawDue |= expected;
            }
            assertThat(sawNotDue).isTrue();
            assertThat(sawDue).isTrue();
        }
    }

    @Test
    void shouldNeverBeDueForALogThatIsNotCompacted() {
        try (PartitionLog log = support.open(Map.of("segment.bytes", "400"))) {
            for (int i = 0; i < 100; i++) {
                append(log, "k", "v" + i, now());
            }
            assertThat(log.numberOfSegments()).isGreaterThan(2);
            assertThat(compactor.isDue(log, now())).isFalse();
            assertThat(compactor.compact(log, now(), DIRECT).segmentsCleaned()).isZero();
            assertThat(readAll(log, 0)).hasSize(100);
        }
    }

    @Test
    void shouldDeleteAStrayCleanedFileOnOpen() throws IOException {
        Map<String, String> config = compactConfig();
        try (PartitionLog log = support.open(config)) {
            for (int i = 0; i < 60; i++) {
                append(log, "k" + (i % 3), "v" + i, now());
            }
        }
        // A compaction died while writing its copy.
        Path cleaned = LogFiles.withSuffix(LogFiles.logFile(support.dir, 0), LogFiles.CLEANED);
        Files.write(cleaned, new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 40, 1, 2, 3});
        try (PartitionLog log = support.open(config, 60, 0, true)) {
            assertThat(cleaned).doesNotExist();
            assertThat(readAll(log, 0)).hasSize(60);
        }
    }

    @ParameterizedTest(name = "original already renamed: {0}")
    @ValueSource(booleans = {false, true})
    void shouldCompleteAnInterruptedSwapOnOpen(boolean originalRenamed) throws IOException, InterruptedException {
        Map<String, String> config = compactConfig();
        // The same records in two logs; the second one is compacted, and its first segment becomes the swap file.
        LogTestSupport compactedSupport = new LogTestSupport(root.resolve("compacted"));
        List<Read> compacted;
        List<Read> written = new ArrayList<>();
        long secondSegment;
        try (PartitionLog log = support.open(config);
             PartitionLog copy = compactedSupport.open(config)) {
            Random random = new Random(9);
            for (int i = 0; i < 120; i++) {
                String key = "k" + random.nextInt(4);
                String value = "v" + i;
                written.add(new Read(append(log, key, value, now() + i), key, value, now() + i));
                append(copy, key, value, now() + i);
            }
            log.roll();
            copy.roll();
            secondSegment = log.segments().get(1).baseOffset;
            compactor.compact(copy, now(), DIRECT);
            compacted = readAll(copy, 0);
        } finally {
            compactedSupport.close();
        }
        Path original = LogFiles.logFile(support.dir, 0);
        Path swap = LogFiles.withSuffix(original, LogFiles.SWAP);
        Files.copy(LogFiles.logFile(compactedSupport.dir, 0), swap);
        assertThat(Files.size(swap)).isLessThan(Files.size(original));
        if (originalRenamed) {
            // The crash came after the original was renamed for deletion, before the swap was renamed in.
            LogFiles.atomicMove(original, LogFiles.withSuffix(original, LogFiles.DELETED));
            Path index = LogFiles.indexFile(support.dir, 0);
            LogFiles.atomicMove(index, LogFiles.withSuffix(index, LogFiles.DELETED));
        }

        try (PartitionLog log = support.open(config, written.size(), 0, true)) {
            assertThat(swap).doesNotExist();
            assertThat(LogFiles.indexFile(support.dir, 0)).exists();
            try (Stream<Path> files = Files.list(support.dir)) {
                assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(LogFiles.DELETED));
            }
            List<Read> expected = new ArrayList<>(below(compacted, secondSegment));
            expected.addAll(atOrAfter(written, secondSegment));
            assertThat(readAll(log, 0)).containsExactlyElementsOf(expected);
            // The indexes were rebuilt for the new file: reads and timestamp lookups from every offset agree.
            for (Read r : expected) {
                assertThat(readAll(log, r.offset()).get(0)).isEqualTo(r);
                assertThat(log.offsetForTimestamp(r.timestamp()).offset()).isEqualTo(r.offset());
            }
        }
    }
}
