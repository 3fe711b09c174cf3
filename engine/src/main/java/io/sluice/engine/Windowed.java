package io.sluice.engine;

/** A key within a window: the key of windowed aggregates and window stores. */
public record Windowed<K>(K key, Window window) {
    public static <K> Windowed<K> of(K key, long start, long end) {
        return new Windowed<>(key, new Window(start, end));
    }

    @Override
    public String toString() {
        return key + "@[" + window.start() + "," + window.end() + ")";
    }
}
