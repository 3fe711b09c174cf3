package io.sluice.engine;

import io.sluice.broker.ConsumerRecord;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The records written to one topic of a {@link TestDriver}, in the order they were written, deserialized. Reading
 * does not consume: each call sees everything written so far.
 */
public final class TestOutput<K, V> {
    private final Supplier<List<ConsumerRecord>> source;
    private final Serde<K> keySerde;
    private final Serde<V> valueSerde;

    TestOutput(Supplier<List<ConsumerRecord>> source, Serde<K> keySerde, Serde<V> valueSerde) {
        this.source = source;
        this.keySerde = keySerde;
        this.valueSerde = valueSerde;
    }

    public List<Record<K, V>> records() {
        List<Record<K, V>> out = new ArrayList<>();
        for (ConsumerRecord r : source.get()) {
            out.add(new Record<>(keySerde.deserialize(r.key()), valueSerde.deserialize(r.value()), r.timestamp(),
                    r.headers()));
        }
        return out;
    }

    public List<KeyValue<K, V>> keyValues() {
        return records().stream().map(r -> KeyValue.of(r.key(), r.value())).toList();
    }

    /** The values; a tombstone shows as null. */
    public List<V> values() {
        return records().stream().map(Record::value).toList();
    }

    /** The latest value per key, as a table would hold it: tombstones remove keys. */
    public Map<K, V> latest() {
        Map<K, V> table = new LinkedHashMap<>();
        for (Record<K, V> r : records()) {
            if (r.value() == null) {
                table.remove(r.key());
            } else {
                table.put(r.key(), r.value());
            }
        }
        return table;
    }

    public int size() {
        return source.get().size();
    }

    public boolean isEmpty() {
        return size() == 0;
    }
}
