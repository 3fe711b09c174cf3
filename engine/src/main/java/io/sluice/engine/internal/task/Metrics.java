package io.sluice.engine.internal.task;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** Counters of a job, named {@code name{tag=value}}; incremented by stream threads, read by anyone. */
public final class Metrics {
    private final ConcurrentHashMap<String, LongAdder> counters = new ConcurrentHashMap<>();

    public LongAdder counter(String name, String tag, String tagValue) {
        return counters.computeIfAbsent(name + "{" + tag + "=" + tagValue + "}", n -> new LongAdder());
    }

    /** Every counter and its value, sorted by name. */
    public Map<String, Long> snapshot() {
        Map<String, Long> values = new TreeMap<>();
        counters.forEach((name, adder) -> values.put(name, adder.sum()));
        return values;
    }
}
