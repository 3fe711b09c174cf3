package io.sluice.engine.internal.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WindowSlabTest {
    /** Restores, then random writes and deletes, against a map: what is read, counted and drained agrees. */
    @Test
    void shouldAgreeWithAMapThroughGrowthDeletesAndFlushes() {
        Random random = new Random(5);
        WindowSlab slab = new WindowSlab(0, 1);
        Map<String, Long> expected = new HashMap<>();
        Map<String, Long> changedSinceDrain = new HashMap<>();
        Set<String> everChanged = new HashSet<>();
        for (int i = 0; i < 2_000; i++) {
            String key = "k" + random.nextInt(3_000);
            Long value = random.nextInt(4) == 0 ? null : (long) -i;
            slab.restore(key, value);
            if (value == null) {
                expected.remove(key);
            } else {
                expected.put(key, value);
            }
        }
        assertThat(slab.hasChanges()).isFalse();
        for (int step = 0; step < 200_000; step++) {
            String key = "k" + random.nextInt(3_000);
            Long value = random.nextInt(8) == 0 ? null : (long) step;
            slab.put(key, value);
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
                slab.drainChanges(drained::put);
                assertThat(drained).isEqualTo(changedSinceDrain);
                assertThat(slab.hasChanges()).isFalse();
                everChanged.addAll(changedSinceDrain.keySet());
                changedSinceDrain.clear();
            }
            if (step % 1_000 == 0) {
                assertThat(slab.get(key)).isEqualTo(expected.get(key));
            }
        }
        for (int i = 0; i < 3_000; i++) {
            assertThat(slab.get("k" + i)).as("k" + i).isEqualTo(expected.get("k" + i));
        }
        Map<Object, Object> all = new HashMap<>();
        slab.forEach(all::put);
        assertThat(all).isEqualTo(expected);
        assertThat(slab.size()).isEqualTo(expected.size());
        assertThat(everChanged).hasSizeGreaterThan(2_000);
    }

    @Test
    void shouldReportADeletedWindowAsAChangeWithoutAValue() {
        WindowSlab slab = new WindowSlab(0, 4);
        slab.put("a", 1L);
        slab.drainChanges(null);
        slab.put("a", null);
        slab.put("never-there", null);
        Map<Object, Object> drained = new HashMap<>();
        slab.drainChanges(drained::put);
        assertThat(drained).containsOnlyKeys("a").containsEntry("a", null);
        assertThat(slab.get("a")).isNull();
        assertThat(slab.size()).isZero();
    }
}
