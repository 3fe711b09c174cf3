package io.sluice.engine.internal.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

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
