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
 * by a sink, at millisecond resolution. Recording is wait-free; one reader takes interval histograms.
 */
public final class LatencyProfile {
    /** The name under which end-to-end latency is kept. */
    public static final String END_TO_END = "end-to-end";

    private final Map<String, Recorder> recorders = new ConcurrentHashMap<>();
    private final List<String> operators;
    private final Map<String, Histogram> recycled = new ConcurrentHashMap<>();

    /** @param operators the operators in topology order; {@link #END_TO_END} is added last */
    public LatencyProfile(List<String> operators) {
        this.operators = List.copyOf(new java.util.LinkedHashSet<>(concat(operators)));
        for (String operator : this.operators) {
            recorders.put(operator, new Recorder(3));
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

    /**
     * What was recorded since the previous call, per operator in {@link #operators()} order. The histograms are
     * handed back on the next call to be reused: copy what must outlive it. One caller at a time.
     */
    public synchronized Map<String, Histogram> takeInterval() {
        Map<String, Histogram> interval = new LinkedHashMap<>();
        for (String operator : operators) {
            Histogram h = recorders.get(operator).getIntervalHistogram(recycled.remove(operator));
            recycled.put(operator, h);
            interval.put(operator, h);
        }
        return interval;
    }
}
