package io.sluice.broker.internal.log;

import static io.sluice.broker.internal.log.LogTestSupport.append;
import static io.sluice.broker.internal.log.LogTestSupport.readAll;
import static io.sluice.broker.internal.log.LogTestSupport.string;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.broker.OffsetAndTimestamp;
import io.sluice.broker.OffsetOutOfRangeException;
import io.sluice.broker.internal.log.LogTestSupport.Read;
import io.sluice.broker.internal.log.LogTestSupport.Rec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Random operations on a {@link PartitionLog} checked against an in-memory oracle of the records the log must hold
 * (offset, key, value, timestamp): appends, reads, timestamp lookups, retention by size, rolls, clean and unclean
 * restarts, crashes (the log dropped without closing, its indexes still preallocated) and — for a compacted topic —
 * compaction. Small segments, index intervals and indexes give many segments and many index entries.
 */
class PartitionLogModelTest {
    private static final LogCompactor.WriterThread DIRECT = new LogCompactor.WriterThread() {
        @Override
        public <T> T call(Callable<T> task) throws Exception {
            return task.call();
        }
    };

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

    /** The oracle: offset -> the record the log must return for it; holes are offsets compaction removed. */
    private final TreeMap<Long, Read> oracle = new TreeMap<>();
    private long oracleEnd;
    private long oracleStart;
    /** Where each batch appended began: a high watermark that a reader keeping up would have read from. */
    private final List<Long> batchStarts = new ArrayList<>();

    /** Logs dropped by a simulated crash: never touched (nor closed) again, as a dead process would not. */
    private final List<PartitionLog> abandoned = new ArrayList<>();

    private final LogCompactor compactor = new LogCompactor(1_000_000);
    private Random random;
    private Map<String, String> config;
    private PartitionLog log;
    private final List<String> history = new ArrayList<>();
    private long lastTimestamp = 1_700_000_000_000L;

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 17, 4242, 987654321})
    void shouldBehaveLikeAListOfRecordsUnderRandomOperations(long seed) {
        run(seed, false);
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {8, 13})
    void shouldBehaveLikeACompactedListOfRecordsUnderRandomOperationsAndCompactions(long seed) {
        run(seed, true);
    }

    private void run(long seed, boolean compacted) {
        random = new Random(seed);
        config = new HashMap<>(Map.of(
                "segment.bytes", Integer.toString(700 + random.nextInt(800)),
                "index.interval.bytes", Integer.toString(random.nextInt(200)),
                // Small indexes: some segments roll because an index is full.
                "segment.index.bytes", Integer.toString(96 + random.nextInt(64)),
                "segment.ms", "60000",
                "file.delete.delay.ms", "0"));
        if (compacted) {
            // Tombstones stay: the oracle need not model the delete horizon (LogCompactorTest does).
            config.put("cleanup.policy", "compact,delete");
            config.put("delete.retention.ms", Long.toString(Long.MAX_VALUE / 4));
        }
        log = support.open(config, 0, 0, false);
        try {
            for (int op = 0; op < 300; op++) {
                int choice = random.nextInt(100);
                try {
                    if (choice < 46) {
                        appendBatch();
                    } else if (choice < 60) {
                        readFromRandomOffset();
                    } else if (choice < 72) {
                        lookUpRandomTimestamps();
                    } else if (choice < 76) {
                        reopenCleanly();
                    } else if (choice < 80) {
                        reopenUncleanly();
                    } else if (choice < 83) {
                        crashAndRecover();
                    } else if (choice < 89) {
                        deleteBySize();
                    } else if (compacted && choice < 95) {
                        compact();
                    } else {
                        history.add("roll");
                        log.roll();
                    }
                    verifyAgainstOracle();
                } catch (AssertionError | RuntimeException e) {
                    throw new AssertionError("seed " + seed + ", operation " + op + ", last operations: "
                            + history.subList(Math.max(0, history.size() - 8), history.size()), e);
                }
            }
        } finally {
            log.close();
        }
    }

    private void appendBatch() {
        int count = random.nextBoolean() ? 1 : 1 + random.nextInt(20);
        List<Rec> batch = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            // Timestamps mostly grow, sometimes step back, sometimes jump past segment.ms.
            int dice = random.nextInt(20);
            lastTimestamp += dice == 0 ? -random.nextInt(5_000) : dice == 1 ? 70_000 : random.nextInt(200);
            String key = random.nextInt(10) == 0 ? null : "key-" + random.nextInt(50);
            String value = random.nextInt(15) == 0 ? null
                    : "v" + (oracleEnd + i) + "-" + "x".repeat(random.nextInt(60));
            batch.add(Rec.of(key, value, lastTimestamp));
        }
        history.add("append " + count + " at " + oracleEnd);
        long base = append(log, batch);
        assertThat(base).isEqualTo(oracleEnd);
        batchStarts.add(base);
        for (Rec r : batch) {
            oracle.put(oracleEnd, new Read(oracleEnd, r.key(), r.value(), r.timestamp()));
            oracleEnd++;
        }
    }

    /**
     * From a random offset or, half of the time, from where a reader that kept up would stand: a recent high
     * watermark (the log reads from those without a look-up).
     */
    private void readFromRandomOffset() {
        long offset = random.nextBoolean() && !batchStarts.isEmpty()
                ? batchStarts.get(Math.max(0, batchStarts.size() - 1 - random.nextInt(100)))
                : oracleStart - 3 + random.nextLong(oracleEnd - oracleStart + 6);
        history.add("read " + offset);
        if (offset < oracleStart || offset > oracleEnd) {
            assertThatThrownBy(() -> log.read(offset, 100)).isInstanceOf(OffsetOutOfRangeException.class);
            return;
        }
        PartitionLog.ReadResult result = log.read(offset, 1 + random.nextInt(3_000));
        assertThat(result.highWatermark()).isEqualTo(oracleEnd);
        assertThat(result.logStartOffset()).isEqualTo(oracleStart);
        List<Read> expected = new ArrayList<>(oracle.tailMap(offset, true).values());
        if (expected.isEmpty()) {
            assertThat(result.isEmpty()).isTrue();
            return;
        }
        assertThat(result.isEmpty()).isFalse();
        int next = 0;
        long lastOffsetRead = -1;
        for (RecordBatch batch : result.records().batches()) {
            batch.ensureValid();
            // Whole batches from the one holding the offset: a compacted batch keeps its last offset, so it may
            // hold nothing at or after the offset any more — the reader then goes on after it.
            assertThat(batch.lastOffset()).isGreaterThanOrEqualTo(offset);
            for (Record r : batch) {
                if (r.offset() < offset) {
                    continue;
                }
                assertThat(new Read(r.offset(), string(r.key()), string(r.value()), r.timestamp()))
                        .isEqualTo(expected.get(next++));
            }
            lastOffsetRead = batch.lastOffset();
        }
        // Nothing was skipped: every record up to the end of what was read came back.
        long upTo = lastOffsetRead;
        assertThat(next).isEqualTo(expected.stream().filter(r -> r.offset() <= upTo).count());
        if (result.endOffset() >= 0) {
            assertThat(result.endOffset()).isEqualTo(oracleEnd);
            assertThat(lastOffsetRead).isEqualTo(oracleEnd - 1);
        }
    }

    private void lookUpRandomTimestamps() {
        history.add("offsetForTimestamp");
        long min = oracle.values().stream().mapToLong(Read::timestamp).min().orElse(lastTimestamp);
        List<Read> present = new ArrayList<>(oracle.tailMap(oracleStart, true).values());
        for (int probe = 0; probe < 10; probe++) {
            long target = min - 10 + random.nextLong(Math.max(1, lastTimestamp - min + 100));
            if (random.nextInt(4) != 0 && !present.isEmpty()) {
                // Exactly the timestamp of a record still in the log: where an off-by-one in an index shows.
                target = present.get(random.nextInt(present.size())).timestamp();
            }
            Read expected = null;
            for (Read r : present) {
                if (r.timestamp() >= target) {
                    expected = r;
                    break;
                }
            }
            OffsetAndTimestamp found = log.offsetForTimestamp(target);
            if (expected == null) {
                assertThat(found).as("offsetForTimestamp(%d)", target).isNull();
            } else {
                assertThat(found).as("offsetForTimestamp(%d)", target)
                        .isEqualTo(new OffsetAndTimestamp(expected.offset(), expected.timestamp()));
            }
        }
    }

    private void reopenCleanly() {
        history.add("clean reopen");
        close();
        log = support.open(config, oracleEnd, oracleStart, true);
    }

    private void reopenUncleanly() {
        long recoveryPoint = random.nextLong(oracleEnd + 1);
        history.add("unclean reopen from " + recoveryPoint);
        close();
        log = support.open(config, recoveryPoint, oracleStart, false);
    }

    private void close() {
        compactor.retainOnly(java.util.List.of());
        log.close();
    }

    /**
     * The process dies: nothing is closed, the active segment's indexes are left at their preallocated size, and
     * sometimes the last write was torn.
     */
    private void crashAndRecover() {
        // Not bounded by log.recoveryPoint(), which the background flush moves at its own pace: the run must not
        // depend on thread timing. Whatever was written is still in the page cache, so any point will do.
        long recoveryPoint = random.nextLong(oracleEnd + 1);
        history.add("crash, recover from " + recoveryPoint);
        compactor.retainOnly(java.util.List.of());
        abandoned.add(log);
        // A log nothing was ever appended to has no directory: there was no write to tear.
        if (random.nextBoolean() && Files.isDirectory(support.dir)) {
            // The crash tore the last write: the head of a batch that never completed follows the last good one.
            byte[] torn = new byte[1 + random.nextInt(80)];
            random.nextBytes(torn);
            try {
                // CREATE: a segment nothing was appended to yet has no file; the crash tore its first write.
                Files.write(log.activeSegment().file(), torn, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        log = support.open(config, recoveryPoint, oracleStart, false);
    }

    private void deleteBySize() {
        long retentionBytes = switch (random.nextInt(8)) {
            case 0 -> 0;
            case 1 -> random.nextInt(1_000);
            default -> 3_000 + random.nextInt(15_000);
        };
        history.add("delete beyond " + retentionBytes + " bytes");
        Map<String, String> withRetention = new HashMap<>(config);
        withRetention.put("retention.bytes", Long.toString(retentionBytes));
        log.updateConfig(LogConfig.of(withRetention));

        // Kafka's rule: drop the oldest segment while what remains is still at least retention.bytes; the empty
        // active segment stays.
        List<LogSegment> before = log.segments();
        long size = before.stream().mapToLong(LogSegment::sizeInBytes).sum();
        int expectedDeleted = 0;
        for (LogSegment segment : before) {
            if (size - segment.sizeInBytes() < retentionBytes
                    || (segment == before.get(before.size() - 1) && segment.sizeInBytes() == 0)) {
                break;
            }
            expectedDeleted++;
            size -= segment.sizeInBytes();
        }
        long expectedStart = expectedDeleted == before.size() ? oracleEnd
                : Math.max(oracleStart, before.get(expectedDeleted).baseOffset);

        assertThat(log.deleteOldSegments()).isEqualTo(expectedDeleted);
        assertThat(log.sizeInBytes()).isEqualTo(size);
        oracleStart = expectedStart;
        oracle.headMap(oracleStart, false).clear();
        log.updateConfig(LogConfig.of(config));
    }

    /**
     * Compaction of everything below the active segment: keyless records go, and of each key only the latest
     * record there stays (tombstones included, their horizon being far away); the active segment is untouched.
     */
    private void compact() {
        long activeBase = log.activeSegment().baseOffset;
        history.add("compact below " + activeBase);
        compactor.compact(log, support.clock.get(), DIRECT);
        Set<String> seen = new HashSet<>();
        Iterator<Read> descending = oracle.headMap(activeBase, false).descendingMap().values().iterator();
        while (descending.hasNext()) {
            Read r = descending.next();
            if (r.key() == null || !seen.add(r.key())) {
                descending.remove();
            }
        }
    }

    private void verifyAgainstOracle() {
        assertThat(log.logStartOffset()).as("logStartOffset").isEqualTo(oracleStart);
        assertThat(log.logEndOffset()).as("logEndOffset").isEqualTo(oracleEnd);
        assertThat(log.highWatermark()).as("highWatermark").isEqualTo(oracleEnd);
        List<LogSegment> segments = log.segments();
        assertThat(segments).isNotEmpty();
        assertThat(segments.get(0).baseOffset).isLessThanOrEqualTo(oracleStart);
        assertThat(log.activeSegment()).isSameAs(segments.get(segments.size() - 1));
        assertThat(readAll(log, oracleStart)).containsExactlyElementsOf(oracle.tailMap(oracleStart, true).values());
        if (oracleStart > 0) {
            assertThatThrownBy(() -> log.read(oracleStart - 1, 100)).isInstanceOf(OffsetOutOfRangeException.class);
        }
    }
}
