package io.sluice.broker.internal.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TimeIndexTest {
    private static final long BASE = 500L;
    private static final long T0 = 1_700_000_000_000L;

    @TempDir
    Path dir;

    private Path file() {
        return dir.resolve(LogFiles.baseName(BASE) + LogFiles.TIME_INDEX);
    }

    /** The oracle's answer to lookup: the offset of the last entry at or below the timestamp, else the base. */
    private static long expectedLookup(TreeMap<Long, Long> oracle, long timestamp) {
        Map.Entry<Long, Long> floor = oracle.floorEntry(timestamp);
        return floor == null ? BASE : floor.getValue();
    }

    private static void assertMatches(TimeIndex index, TreeMap<Long, Long> oracle, Random random, long maxTs) {
        assertThat(index.entries()).isEqualTo(oracle.size());
        assertThat(index.lastTimestamp()).isEqualTo(oracle.isEmpty() ? -1L : oracle.lastKey());
        int i = 0;
        for (Map.Entry<Long, Long> e : oracle.entrySet()) {
            assertThat(index.key(i)).as("timestamp of entry %d", i).isEqualTo(e.getKey());
            assertThat(index.offset(i)).as("offset of entry %d", i).isEqualTo(e.getValue());
            assertThat(index.lookup(e.getKey())).isEqualTo(e.getValue());
            i++;
        }
        for (int probe = 0; probe < 20; probe++) {
            long ts = T0 - 5 + random.nextLong(maxTs - T0 + 10);
            assertThat(index.lookup(ts)).as("lookup(%d)", ts).isEqualTo(expectedLookup(oracle, ts));
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 7, 99, 31337, 123456789})
    void shouldAgreeWithATreeMapOracleUnderRandomAppendsLookupsTruncationsAndReopens(long seed) {
        Random random = new Random(seed);
        int capacity = 30;
        int maxBytes = capacity * TimeIndex.ENTRY_SIZE;
        TreeMap<Long, Long> oracle = new TreeMap<>();
        TimeIndex index = new TimeIndex(file(), BASE, maxBytes, true);
        // The writer's view of what it has appended so far, whether the index took it or not.
        long nextOffset = BASE;
        long ts = T0;
        long maxTs = T0;
        try {
            for (int op = 0; op < 400; op++) {
                int choice = random.nextInt(100);
                if (choice < 55) {
                    // Mostly growing timestamps, sometimes equal or smaller, which the index must skip.
                    ts += random.nextInt(4) == 0 ? -random.nextInt(30) : random.nextInt(40);
                    maxTs = Math.max(maxTs, ts);
                    long offset = nextOffset + random.nextInt(4);
                    nextOffset = offset + 1;
                    boolean taken = oracle.isEmpty()
                            || (ts > oracle.lastKey() && offset >= oracle.lastEntry().getValue());
                    boolean result = index.maybeAppend(ts, offset);
                    if (taken && oracle.size() >= capacity) {
                        assertThat(result).as("append to a full index").isFalse();
                    } else {
                        assertThat(result).isTrue();
                        if (taken) {
                            oracle.put(ts, offset);
                        }
                    }
                } else if (choice < 75) {
                    long probe = T0 - 5 + random.nextLong(maxTs - T0 + 10);
                    assertThat(index.lookup(probe)).as("lookup(%d)", probe).isEqualTo(expectedLookup(oracle, probe));
                } else if (choice < 88) {
                    long offset = BASE + random.nextLong(nextOffset - BASE + 2);
                    index.truncateTo(offset);
                    oracle.values().removeIf(o -> o >= offset);
                    nextOffset = offset;
                    ts = oracle.isEmpty() ? T0 : oracle.lastKey();
                } else {
                    index.trim();
                    index.close();
                    assertThat(file()).hasSize((long) oracle.size() * TimeIndex.ENTRY_SIZE);
                    TimeIndex readOnly = new TimeIndex(file(), BASE, maxBytes, false);
                    try {
                        assertMatches(readOnly, oracle, random, maxTs);
                        long lastOffset = oracle.isEmpty() ? BASE : oracle.lastEntry().getValue();
                        assertThat(readOnly.sanityCheck(lastOffset, true)).isNull();
                    } finally {
                        readOnly.close();
                    }
                    index = new TimeIndex(file(), BASE, maxBytes, true);
                }
                assertThat(index.isFull()).isEqualTo(oracle.size() >= capacity - 1);
                assertMatches(index, oracle, random, maxTs);
            }
        } finally {
            index.close();
        }
    }

    @Test
    void shouldSkipTimestampsThatDoNotIncrease() {
        try (TimeIndex index = new TimeIndex(file(), BASE, 1_200, true)) {
            assertThat(index.maybeAppend(T0 + 100, BASE + 3)).isTrue();
            assertThat(index.maybeAppend(T0 + 100, BASE + 5)).isTrue();
            assertThat(index.maybeAppend(T0 + 50, BASE + 6)).isTrue();
            assertThat(index.entries()).isEqualTo(1);
            assertThat(index.maybeAppend(T0 + 101, BASE + 7)).isTrue();
            assertThat(index.entries()).isEqualTo(2);
            assertThat(index.lookup(T0 + 100)).isEqualTo(BASE + 3);
            assertThat(index.lookup(T0 + 100_000)).isEqualTo(BASE + 7);
            assertThat(index.lookup(T0 + 99)).isEqualTo(BASE);
            assertThat(index.lastTimestamp()).isEqualTo(T0 + 101);
        }
    }

    @Test
    void shouldKeepTheLastSlotForTheFinalEntry() {
        // 5 slots: the index is full for regular entries after 4, yet the final entry still fits.
        try (TimeIndex index = new TimeIndex(file(), BASE, 5 * TimeIndex.ENTRY_SIZE + 11, true)) {
            assertThat(index.capacity()).isEqualTo(5);
            for (int i = 0; i < 4; i++) {
                assertThat(index.isFull()).isFalse();
                assertThat(index.maybeAppend(T0 + i, BASE + i)).isTrue();
            }
            assertThat(index.isFull()).isTrue();
            assertThat(index.maybeAppend(T0 + 10, BASE + 10)).as("the final entry").isTrue();
            assertThat(index.entries()).isEqualTo(5);
            assertThat(index.lookup(T0 + 10)).isEqualTo(BASE + 10);
            assertThat(index.maybeAppend(T0 + 11, BASE + 11)).isFalse();
            assertThat(index.entries()).isEqualTo(5);
            // A timestamp that would be skipped anyway is not a failure, full or not.
            assertThat(index.maybeAppend(T0 + 10, BASE + 12)).isTrue();
        }
    }

    @Test
    void shouldTruncateEntriesAtOrAfterAnOffset() {
        try (TimeIndex index = new TimeIndex(file(), BASE, 1_200, true)) {
            index.maybeAppend(T0 + 10, BASE + 2);
            index.maybeAppend(T0 + 20, BASE + 5);
            index.maybeAppend(T0 + 30, BASE + 5);
            index.maybeAppend(T0 + 40, BASE + 9);
            index.truncateTo(BASE + 9);
            assertThat(index.entries()).isEqualTo(3);
            index.truncateTo(BASE + 6);
            assertThat(index.entries()).isEqualTo(3);
            index.truncateTo(BASE + 5);
            assertThat(index.entries()).isEqualTo(1);
            assertThat(index.lastTimestamp()).isEqualTo(T0 + 10);
            assertThat(index.lookup(T0 + 35)).isEqualTo(BASE + 2);
            assertThat(index.maybeAppend(T0 + 15, BASE + 6)).isTrue();
            assertThat(index.lookup(T0 + 35)).isEqualTo(BASE + 6);
            index.truncateTo(BASE);
            assertThat(index.entries()).isZero();
            assertThat(index.lookup(T0 + 35)).isEqualTo(BASE);
        }
    }

    @Test
    void shouldDetectAFileWhoseLengthIsNotAMultipleOfTheEntrySize() throws IOException {
        Files.write(file(), new byte[16]);
        try (TimeIndex index = new TimeIndex(file(), BASE, 1_200, false)) {
            assertThat(index.entries()).isEqualTo(-1);
            assertThat(index.sanityCheck(BASE + 100, true)).contains("multiple of 12");
            assertThat(index.lookup(T0)).isEqualTo(BASE);
        }
    }

    @Test
    void shouldDetectTimestampsOutOfOrderAndOffsetsOutsideTheSegment() throws IOException {
        writeEntries(new long[][] {{T0, 1}, {T0 + 5, 3}, {T0 + 9, 8}});
        try (TimeIndex index = new TimeIndex(file(), BASE, 1_200, false)) {
            assertThat(index.sanityCheck(BASE + 8, true)).isNull();
            assertThat(index.sanityCheck(BASE + 7, true)).startsWith("entry 2");
            assertThat(index.sanityCheck(BASE + 7, false)).startsWith("entry 2");
        }
        writeEntries(new long[][] {{T0, 1}, {T0, 3}});
        try (TimeIndex index = new TimeIndex(file(), BASE, 1_200, false)) {
            assertThat(index.sanityCheck(BASE + 10, true)).startsWith("entry 1 out of order");
        }
        writeEntries(new long[][] {{T0, 4}, {T0 + 1, 3}});
        try (TimeIndex index = new TimeIndex(file(), BASE, 1_200, false)) {
            assertThat(index.sanityCheck(BASE + 10, true)).startsWith("entry 1 out of order");
        }
        writeEntries(new long[][] {{T0, -1}});
        try (TimeIndex index = new TimeIndex(file(), BASE, 1_200, false)) {
            assertThat(index.sanityCheck(BASE + 10, true)).startsWith("entry 0");
        }
    }

    private void writeEntries(long[][] entries) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(entries.length * TimeIndex.ENTRY_SIZE);
        for (long[] e : entries) {
            buffer.putLong(e[0]).putInt((int) e[1]);
        }
        Files.write(file(), buffer.array());
    }
}
