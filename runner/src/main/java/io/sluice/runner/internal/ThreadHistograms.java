package io.sluice.runner.internal;

import java.util.ArrayList;
import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * One plain HdrHistogram per recording thread, so that recording costs no atomic operation; {@link #merged()} adds
 * them up once the recording threads are done (and their writes visible, e.g. after a join or a completed future).
 */
public final class ThreadHistograms {
    private final List<Histogram> all = new ArrayList<>();
    private final ThreadLocal<Histogram> local = ThreadLocal.withInitial(this::register);

    private synchronized Histogram register() {
        Histogram h = new Histogram(3);
        all.add(h);
        return h;
    }

    /** Records a value on the calling thread's histogram. */
    public void record(long value) {
        local.get().recordValue(value);
    }

    public synchronized Histogram merged() {
        Histogram sum = new Histogram(3);
        for (Histogram h : all) {
            sum.add(h);
        }
        return sum;
    }
}
