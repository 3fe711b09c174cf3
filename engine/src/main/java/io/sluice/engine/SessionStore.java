package io.sluice.engine;

/** A store of values per key and session window (variable length; end inclusive). */
public interface SessionStore<K, V> extends StateStore, ReadOnlySessionStore<K, V> {
    void put(Windowed<K> session, V value);

    void remove(Windowed<K> session);
}
