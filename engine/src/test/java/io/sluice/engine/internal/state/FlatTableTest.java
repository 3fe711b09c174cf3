package io.sluice.engine.internal.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class FlatTableTest {
    /** Restores, then random writes and deletes, against a map: what is read, counted and drained agrees. */
    @Test
    void shouldAgreeWithAMapThroughGrowthDeletesAndFlushes() {
        Random random = new Random(5);
        FlatTable table = new FlatTable(1);
        Map<String, Long> expected = new HashMap<>();
        Map<String, Long> changedSinceDrain = new HashMap<>();
        Set<String> everChanged = new HashSet<>();
        for (int i = 0; i < 2_000; i++) {
            String key = "k" + random.nextInt(3_000);
            Long value = random.nextInt(4) == 0 ? null : (long) -i;
            table.restore(key, value);
            if (value == null) {
                expected.remove(key);
            } else {
                expected.put(key, value);
            }
        }
        assertThat(table.hasChanges()).isFalse();
        for (int step = 0; step < 200_000; step++) {
            String key = "k" + random.nextInt(3_000);
            Long value = random.nextInt(8) == 0 ? null : (long) step;
            table.put(key, value);
            if (value != null || expected.containsKey(key)) {
                changedSinceDrain.put(key, value);
            }
            if (value == null) {
                expected.remove(key);
            } else {
                expected.put(key, value);
            }
            if (random.nextInt(5_000) == 0) {
                Map<Object, Object> drained = new HashMap<>();
                table.drainChanges(drained::put);
                assertThat(drained).isEqualTo(changedSinceDrain);
                assertThat(table.hasChanges()).isFalse();
                everChanged.addAll(changedSinceDrain.keySet());
                changedSinceDrain.clear();
            }
            if (step % 1_000 == 0) {
                assertThat(table.get(key)).isEqualTo(expected.get(key));
            }
        }
        for (int i = 0; i < 3_000; i++) {
            assertThat(table.get("k" + i)).as("k" + i).isEqualTo(expected.get("k" + i));
        }
        Map<Object, Object> all = new HashMap<>();
        table.forEach(all::put);
        assertThat(all).isEqualTo(expected);
        assertThat(table.size()).isEqualTo(expected.size());
        assertThat(everChanged).hasSizeGreaterThan(2_000);
    }

    /** A key with the hash code it is given: 0 is also how a free slot is marked. */
    private record HashedKey(String name, int hash) {
        @Override
        public int hashCode() {
            return hash;
        }
    }

    /**
     * Keys whose hash codes are 0 (the free-slot mark), the value a 0 is stored as, or shared with other keys: each
     * is found, updated, deleted and kept through growth as any other.
     */
    @Test
    @Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a broken lookup probes for ever
    void shouldKeepKeysWhoseHashCodesCollideWithTheFreeSlotMark() {
        FlatTable table = new FlatTable(1);
        Map<HashedKey, String> expected = new HashMap<>();
        for (int i = 0; i < 300; i++) {
            HashedKey key = collidingKey(i);
            table.put(key, "v" + i);
            expected.put(key, "v" + i);
        }
        for (int i = 0; i < 300; i += 5) {
            HashedKey key = collidingKey(i);
            table.put(key, null);
            expected.remove(key);
        }
        expected.forEach((key, value) -> assertThat(table.get(key)).as(key.name()).isEqualTo(value));
        assertThat(table.get(new HashedKey("absent", 0))).isNull();
        assertThat(table.get(new HashedKey("k0", 0))).isNull(); // deleted
        assertThat(table.get(new HashedKey("k1", 0))).isNull(); // same name, other hash: another key
        Map<Object, Object> all = new HashMap<>();
        table.forEach(all::put);
        assertThat(all).isEqualTo(expected);
        assertThat(table.size()).isEqualTo(expected.size());
    }

    private static HashedKey collidingKey(int i) {
        return new HashedKey("k" + i, switch (i % 3) {
            case 0 -> 0;
            case 1 -> 0x9E3779B9;
            default -> i % 7;
        });
    }

    @Test
    void shouldReportADeletedWindowAsAChangeWithoutAValue() {
        FlatTable table = new FlatTable(4);
        table.put("a", 1L);
        table.drainChanges(null);
        table.put("a", null);
        table.put("never-there", null);
        Map<Object, Object> drained = new HashMap<>();
        table.drainChanges(drained::put);
        assertThat(drained).containsOnlyKeys("a").containsEntry("a", null);
        assertThat(table.get("a")).isNull();
        assertThat(table.size()).isZero();
    }
}
