package io.sluice.engine;

import java.util.List;

/** Reads of a session store. */
public interface ReadOnlySessionStore<K, V> {
    /** Every retained session of {@code key}, by start time. */
    List<KeyValue<Windowed<K>, V>> fetch(K key);

    /** Sessions of {@code key} that end at or after {@code earliestEnd} and start at or before {@code latestStart}. */
    List<KeyValue<Windowed<K>, V>> findSessions(K key, long earliestEnd, long latestStart);

    /** Every retained session. */
    List<KeyValue<Windowed<K>, V>> all();
}
