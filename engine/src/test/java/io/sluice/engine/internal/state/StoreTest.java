package io.sluice.engine.internal.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.broker.Header;
import io.sluice.engine.KeyValue;
import io.sluice.engine.KeyValueStore;
import io.sluice.engine.Serdes;
import io.sluice.engine.SessionStore;
import io.sluice.engine.StoreSpec;
import io.sluice.engine.WindowStore;
import io.sluice.engine.Windowed;
import io.sluice.engine.internal.task.RecordCollector;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every store kind, in memory and in RocksDB: operations against a TreeMap oracle, then restore from changelog. */
class StoreTest {
    @TempDir
    Path dir;

    /** Collects changelog records. */
    private static final class Changelog implements RecordCollector {
        final List<byte[][]> records = new ArrayList<>();

        @Override
        public void send(String topic, int partition, byte[] key, byte[] value, long timestamp, List<Header> headers) {
            records.add(new byte[][] {key, value});
        }

        @Override
        public int partitionCount(String topic) {
            return 1;
        }

        @Override
        public void flush() {
        }
    }

    private LoggedStore create(StoreSpec spec, boolean persistent, String instance) {
        return LoggedStore.create(persistent ? spec.persistent() : spec, "app", 0, dir.resolve(instance));
    }

    private static void restore(LoggedStore store, Changelog changelog) {
        for (byte[][] r : changelog.records) {
            store.restore(r[0], r[1]);
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    @SuppressWarnings("unchecked")
    void shouldMatchAnOracleAndRestoreFromItsChangelog(boolean persistent) {
        StoreSpec spec = StoreSpec.keyValue("kv", Serdes.string(), Serdes.longs());
        LoggedStore store = create(spec, persistent, "a");
        KeyValueStore<String, Long> kv = (KeyValueStore<String, Long>) store;
        TreeMap<String, Long> oracle = new TreeMap<>();
        Changelog changelog = new Changelog();
        Random random = new Random(3);
        for (int i = 0; i < 5_000; i++) {
            String key = "k" + random.nextInt(300);
            if (random.nextInt(5) == 0) {
                assertThat(kv.delete(key)).isEqualTo(oracle.remove(key));
            } else {
                long value = random.nextInt(1000);
                kv.put(key, value);
                oracle.put(key, value);
            }
            if (random.nextInt(100) == 0) {
                store.flush(changelog, 0);
            }
            assertThat(kv.get(key)).isEqualTo(oracle.get(key));
        }
        store.flush(changelog, 0);
        assertThat(kv.range("k1", "k2")).containsExactlyElementsOf(oracle.subMap("k1", true, "k2", true).entrySet()
                .stream().map(e -> KeyValue.of(e.getKey(), e.getValue())).toList());
        assertThat(kv.all()).hasSize(oracle.size());
        store.close();

        LoggedStore restored = create(spec, persistent, "b");
        restore(restored, changelog);
        KeyValueStore<String, Long> again = (KeyValueStore<String, Long>) restored;
        for (String key : oracle.keySet()) {
            assertThat(again.get(key)).isEqualTo(oracle.get(key));
        }
        assertThat(again.all()).hasSize(oracle.size());
        restored.close();
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    @SuppressWarnings("unchecked")
    void shouldFetchWindowsByTimeAndRestoreThem(boolean persistent) {
        StoreSpec spec = StoreSpec.window("w", Serdes.string(), Serdes.longs(), Duration.ofSeconds(10),
                Duration.ofHours(1));
        LoggedStore store = create(spec, persistent, "a");
        WindowStore<String, Long> ws = (WindowStore<String, Long>) store;
        ws.put("a", 1L, 0);
        ws.put("a", 2L, 10_000);
        ws.put("ab", 3L, 10_000);
        ws.put("a", 4L, 20_000);
        ws.put("a", null, 20_000);
        assertThat(ws.fetch("a", 10_000)).isEqualTo(2L);
        assertThat(ws.fetch("a", 0, 15_000)).containsExactly(KeyValue.of(Windowed.of("a", 0, 10_000), 1L),
                KeyValue.of(Windowed.of("a", 10_000, 20_000), 2L));
        assertThat(ws.fetchAll(10_000, 10_000)).hasSize(2);
        Changelog changelog = new Changelog();
        store.flush(changelog, 0);
        store.close();
        LoggedStore restored = create(spec, persistent, "b");
        restore(restored, changelog);
        assertThat(((WindowStore<String, Long>) restored).all()).containsExactlyInAnyOrder(
                KeyValue.of(Windowed.of("a", 0, 10_000), 1L), KeyValue.of(Windowed.of("a", 10_000, 20_000), 2L),
                KeyValue.of(Windowed.of("ab", 10_000, 20_000), 3L));
        restored.close();
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    @SuppressWarnings("unchecked")
    void shouldFindSessionsAndRestoreThem(boolean persistent) {
        StoreSpec spec = StoreSpec.session("s", Serdes.string(), Serdes.longs(), Duration.ofHours(1));
        LoggedStore store = create(spec, persistent, "a");
        SessionStore<String, Long> ss = (SessionStore<String, Long>) store;
        ss.put(Windowed.of("u", 0, 100), 2L);
        ss.put(Windowed.of("u", 500, 600), 3L);
        ss.put(Windowed.of("v", 0, 50), 1L);
        assertThat(ss.findSessions("u", 90, 550)).extracting(kv -> kv.key().window().start()).containsExactly(0L,
                500L);
        assertThat(ss.findSessions("u", 101, 550)).hasSize(1);
        ss.remove(Windowed.of("u", 0, 100));
        Changelog changelog = new Changelog();
        store.flush(changelog, 0);
        store.close();
        LoggedStore restored = create(spec, persistent, "b");
        restore(restored, changelog);
        assertThat(((SessionStore<String, Long>) restored).all()).containsExactly(
                KeyValue.of(Windowed.of("v", 0, 50), 1L), KeyValue.of(Windowed.of("u", 500, 600), 3L));
        restored.close();
    }
}
