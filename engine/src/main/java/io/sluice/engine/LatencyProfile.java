package io.sluice.engine;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Latency histograms of a running job, in nanoseconds, filled when {@code profile.sample.one.in} is set: for one
 * input record in N, each operator's own time (what it took, less the operators it forwarded to, which count for
 * themselves; a source's is deserialization, a sink's serialization and hand-off to the producer), and
 * {@value #END_TO_END}: from the record's timestamp (its produce time, unless the producer set another) to its write
 * by a sink, at millisecond resolution. Recording is wait-free; readers take interval or whole-run histograms.
 */
public final class LatencyProfile {
    /** The name under which end-to-end latency is kept. */
    public static final String END_TO_END = "end-to-end";

    private final Map<String, Recorder> recorders = new ConcurrentHashMap<>();
    private final List<String> operators;
    /** Recorded since the last {@link #takeInterval}, and since the start; guarded by this. */
    private final Map<String, Histogram> interval = new LinkedHashMap<>();
    private final Map<String, Histogram> total = new LinkedHashMap<>();

    /** @param operators the operators in topology order; {@link #END_TO_END} is added last */
    public LatencyProfile(List<String> operators) {
        this.operators = List.copyOf(new java.util.LinkedHashSet<>(concat(operators)));
        for (String operator : this.operators) {
            recorders.put(operator, new Recorder(3));
            interval.put(operator, new Histogram(3));
            total.put(operator, new Histogram(3));
        }
    }

    private static List<String> concat(List<String> operators) {
        List<String> all = new java.util.ArrayList<>(operators);
        all.add(END_TO_END);
        return all;
    }

    /** Operator names in topology order, then {@link #END_TO_END}. */
    public List<String> operators() {
        return operators;
    }

    /** Records a latency of {@code operator}, in nanoseconds; negative values (clock steps) count as 0. */
    public void record(String operator, long nanos) {
        Recorder recorder = recorders.get(operator);
        if (recorder != null) {
            recorder.recordValue(Math.max(0, nanos));
        }
    }

    /** What was recorded since the previous call, per operator in {@link #operators()} order: copies. */
    public synchronized Map<String, Histogram> takeInterval() {
        drain();
        Map<String, Histogram> taken = new LinkedHashMap<>();
        interval.forEach((operator, h) -> {
            taken.put(operator, h.copy());
            h.reset();
        });
        return taken;
    }

    /** What was recorded since the job started, per operator: copies (a metrics endpoint reads these). */
    public synchronized Map<String, Histogram> total() {
        drain();
        Map<String, Histogram> copies = new LinkedHashMap<>();
        total.forEach((operator, h) -> copies.put(operator, h.copy()));
        return copies;
    }

    private void drain() {
        for (String operator : operators) {
            Histogram recent = recorders.get(operator).getIntervalHistogram();
            interval.get(operator).add(recent);
            total.get(operator).add(recent);
        }
    }
}
