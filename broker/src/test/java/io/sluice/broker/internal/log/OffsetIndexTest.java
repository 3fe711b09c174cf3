package io.sluice.broker.internal.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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

class OffsetIndexTest {
    private static final long BASE = 1_000L;

    @TempDir
    Path dir;

    private Path file() {
        return dir.resolve(LogFiles.baseName(BASE) + LogFiles.INDEX);
    }

    /** The oracle's answer to lookup: the position of the last entry at or below the offset, else 0. */
    private static int expectedLookup(TreeMap<Long, Integer> oracle, long offset) {
        Map.Entry<Long, Integer> floor = oracle.floorEntry(offset);
        return floor == null ? 0 : floor.getValue();
    }

    private static void assertMatches(OffsetIndex index, TreeMap<Long, Integer> oracle, Random random, long maxProbe) {
        assertThat(index.entries()).isEqualTo(oracle.size());
        assertThat(index.lastOffset()).isEqualTo(oracle.isEmpty() ? BASE : oracle.lastKey());
        assertThat(index.isEmpty()).isEqualTo(oracle.isEmpty());
        int i = 0;
        for (Map.Entry<Long, Integer> e : oracle.entrySet()) {
            assertThat(index.key(i)).as("key of entry %d", i).isEqualTo(e.getKey());
            assertThat(index.position(i)).as("position of entry %d", i).isEqualTo(e.getValue());
            i++;
        }
        for (int probe = 0; probe < 20; probe++) {
            long offset = BASE - 3 + random.nextLong(maxProbe - BASE + 10);
            assertThat(index.lookup(offset)).as("lookup(%d)", offset).isEqualTo(expectedLookup(oracle, offset));
        }
        for (Map.Entry<Long, Integer> e : oracle.entrySet()) {
            assertThat(index.lookup(e.getKey())).isEqualTo(e.getValue());
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 42, 2024})
    void shouldAgreeWithATreeMapOracleUnderRandomAppendsLookupsTruncationsAndReopens(long seed) {
        Random random = new Random(seed);
        int capacity = 40;
        TreeMap<Long, Integer> oracle = new TreeMap<>();
        OffsetIndex index = new OffsetIndex(file(), BASE, capacity * OffsetIndex.ENTRY_SIZE, true);
        long maxOffsetSeen = BASE;
        try {
            for (int op = 0; op < 400; op++) {
                int choice = random.nextInt(100);
                if (choice < 55) {
                    long offset = (oracle.isEmpty() ? BASE : oracle.lastKey() + 1) + random.nextInt(5);
                    int position = (oracle.isEmpty() ? 0 : oracle.lastEntry().getValue() + 1) + random.nextInt(300);
                    boolean appended = index.append(offset, position);
                    if (oracle.size() < capacity) {
                        assertThat(appended).isTrue();
                        oracle.put(offset, position);
                        maxOffsetSeen = Math.max(maxOffsetSeen, offset);
                    } else {
                        assertThat(appended).as("append to a full index").isFalse();
                    }
                } else if (choice < 75) {
                    long offset = BASE - 2 + random.nextLong(maxOffsetSeen - BASE + 5);
                    assertThat(index.lookup(offset)).as("lookup(%d)", offset)
                            .isEqualTo(expectedLookup(oracle, offset));
                } else if (choice < 90) {
                    long offset = BASE + random.nextLong(maxOffsetSeen - BASE + 3);
                    index.truncateTo(offset);
                    oracle.tailMap(offset, true).clear();
                } else {
                    // The segment stops growing: trim, then reopen the file read-only as a later start-up does.
                    index.trim();
                    index.close();
                    assertThat(file()).hasSize((long) oracle.size() * OffsetIndex.ENTRY_SIZE);
                    OffsetIndex readOnly = new OffsetIndex(file(), BASE, capacity * OffsetIndex.ENTRY_SIZE, false);
                    try {
                        assertMatches(readOnly, oracle, random, maxOffsetSeen);
                        long logSize = oracle.isEmpty() ? 1 : oracle.lastEntry().getValue() + 1L;
                        assertThat(readOnly.sanityCheck(logSize, true)).isNull();
                        assertThat(readOnly.sanityCheck(logSize, false)).isNull();
                    } finally {
                        readOnly.close();
                    }
                    // ... and writable again, as the last segment after a clean restart: entries come back.
                    index = new OffsetIndex(file(), BASE, capacity * OffsetIndex.ENTRY_SIZE, true);
                }
                assertThat(index.isFull()).isEqualTo(oracle.size() >= capacity);
                assertMatches(index, oracle, random, maxOffsetSeen);
            }
        } finally {
            index.close();
        }
    }

    @Test
    void shouldReportFullAndRefuseAppendsWhenNoSlotIsLeft() {
        // 85 bytes hold 10 whole entries; the 5 bytes left over are not a slot.
        try (OffsetIndex index = new OffsetIndex(file(), BASE, 85, true)) {
            assertThat(index.capacity()).isEqualTo(10);
            for (int i = 0; i < 10; i++) {
                assertThat(index.isFull()).isFalse();
                assertThat(index.append(BASE + 10L * i, 100 * i)).isTrue();
            }
            assertThat(index.isFull()).isTrue();
            assertThat(index.append(BASE + 1_000, 5_000)).isFalse();
            assertThat(index.entries()).isEqualTo(10);
            assertThat(index.lastOffset()).isEqualTo(BASE + 90);
            assertThat(index.lookup(BASE + 1_000)).isEqualTo(900);
            index.truncateTo(BASE + 90);
            assertThat(index.isFull()).isFalse();
            assertThat(index.append(BASE + 95, 950)).isTrue();
            assertThat(index.isFull()).isTrue();
        }
    }

    @Test
    void shouldRejectAnOffsetThatDoesNotIncrease() {
        try (OffsetIndex index = new OffsetIndex(file(), BASE, 800, true)) {
            index.append(BASE + 5, 100);
            assertThatThrownBy(() -> index.append(BASE + 5, 200)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> index.append(BASE + 4, 200)).isInstanceOf(IllegalArgumentException.class);
            assertThat(index.entries()).isEqualTo(1);
        }
    }

    @Test
    void shouldAnswerZeroBeforeTheFirstEntryAndForAnEmptyIndex() {
        try (OffsetIndex index = new OffsetIndex(file(), BASE, 800, true)) {
            assertThat(index.lookup(BASE + 100)).isZero();
            index.append(BASE + 10, 4_000);
            assertThat(index.lookup(BASE + 9)).isZero();
            assertThat(index.lookup(BASE + 10)).isEqualTo(4_000);
            assertThat(index.lookup(Long.MAX_VALUE)).isEqualTo(4_000);
        }
    }

    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(ints = {1, 7, 12, 20})
    void shouldDetectAFileWhoseLengthIsNotAMultipleOfTheEntrySize(int length) throws IOException {
        Files.write(file(), new byte[length]);
        try (OffsetIndex index = new OffsetIndex(file(), BASE, 800, false)) {
            assertThat(index.entries()).isEqualTo(-1);
            assertThat(index.sanityCheck(10_000, true)).contains("multiple of 8");
            assertThat(index.sanityCheck(10_000, false)).contains("multiple of 8");
            assertThat(index.lookup(BASE + 1)).isZero();
        }
        Files.write(file(), new byte[length]);
        try (OffsetIndex index = new OffsetIndex(file(), BASE, 800, true)) {
            assertThat(index.sanityCheck(10_000, true)).contains("multiple of 8");
        }
    }

    @Test
    void shouldAcceptAWellFormedFile() throws IOException {
        writeEntries(new int[][] {{1, 0}, {5, 100}, {9, 250}});
        try (OffsetIndex index = new OffsetIndex(file(), BASE, 800, false)) {
            assertThat(index.entries()).isEqualTo(3);
            assertThat(index.sanityCheck(251, true)).isNull();
            assertThat(index.lookup(BASE + 7)).isEqualTo(100);
        }
    }

    @Test
    void shouldDetectOffsetsOutOfOrder() throws IOException {
        writeEntries(new int[][] {{1, 0}, {9, 100}, {5, 250}});
        try (OffsetIndex index = new OffsetIndex(file(), BASE, 800, false)) {
            assertThat(index.sanityCheck(10_000, true)).startsWith("entry 2 out of order");
        }
        writeEntries(new int[][] {{1, 0}, {1, 100}});
        try (OffsetIndex index = new OffsetIndex(file(), BASE, 800, false)) {
            assertThat(index.sanityCheck(10_000, true)).startsWith("entry 1 out of order");
        }
    }

    @Test
    void shouldDetectAnOffsetBelowTheBaseOffset() throws IOException {
        writeEntries(new int[][] {{-1, 0}});
        try (OffsetIndex index = new OffsetIndex(file(), BASE, 800, false)) {
            assertThat(index.sanityCheck(10_000, true)).startsWith("entry 0 out of order");
            assertThat(index.sanityCheck(10_000, false)).startsWith("entry 0 out of order");
        }
    }

    @Test
    void shouldDetectPositionsOutOfOrderOrPastTheLog() throws IOException {
        writeEntries(new int[][] {{1, 200}, {2, 100}});
        try (OffsetIndex index = new OffsetIndex(file(), BASE, 800, false)) {
            assertThat(index.sanityCheck(10_000, true)).startsWith("entry 1 out of order");
        }
        writeEntries(new int[][] {{1, 0}, {2, 100}});
        try (OffsetIndex index = new OffsetIndex(file(), BASE, 800, false)) {
            assertThat(index.sanityCheck(101, true)).isNull();
            assertThat(index.sanityCheck(100, true)).startsWith("entry 1");
            assertThat(index.sanityCheck(100, false)).startsWith("entry 1");
        }
    }

    @Test
    void shouldCheckOnlyTheLastEntryWhenNotAskedForAFullCheck() throws IOException {
        writeEntries(new int[][] {{9, 0}, {5, 100}, {20, 300}});
        try (OffsetIndex index = new OffsetIndex(file(), BASE, 800, false)) {
            assertThat(index.sanityCheck(1_000, false)).isNull();
            assertThat(index.sanityCheck(1_000, true)).startsWith("entry 1");
        }
    }

    private void writeEntries(int[][] entries) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(entries.length * OffsetIndex.ENTRY_SIZE);
        for (int[] e : entries) {
            buffer.putInt(e[0]).putInt(e[1]);
        }
        Files.write(file(), buffer.array());
    }
}
