package io.sluice.dsl;

import java.time.Duration;

/**
 * Sliding windows: for every record at {@code t}, a window {@code [t - timeDifference, t]} — both ends inclusive —
 * holding every record of its key within that span, as Kafka Streams' {@code SlidingWindows} defines them (the
 * windows that start just after a record are there too). Aggregates move with each record rather than with a
 * clock; a window closes when stream time passes its end plus the grace period.
 */
public final class SlidingWindows {
    private final long timeDifferenceMs;
    private final long graceMs;

    private SlidingWindows(long timeDifferenceMs, long graceMs) {
        this.timeDifferenceMs = timeDifferenceMs;
        this.graceMs = graceMs;
    }

    /** Windows spanning {@code difference}: records at most that far apart share a window. */
    public static Unfinished withTimeDifference(Duration difference) {
        return new Unfinished(Windows.positive(difference, "time difference"));
    }

    public long timeDifferenceMs() {
        return timeDifferenceMs;
    }

    public long graceMs() {
        return graceMs;
    }

    @Override
    public String toString() {
        return "sliding(" + timeDifferenceMs + " ms, grace " + graceMs + " ms)";
    }

    /** Sliding windows whose grace period is still to be chosen. */
    public static final class Unfinished {
        private final long timeDifferenceMs;

        private Unfinished(long timeDifferenceMs) {
            this.timeDifferenceMs = timeDifferenceMs;
        }

        public SlidingWindows grace(Duration grace) {
            return new SlidingWindows(timeDifferenceMs, Windows.notNegative(grace, "grace period"));
        }

        public SlidingWindows noGrace() {
            return new SlidingWindows(timeDifferenceMs, 0);
        }
    }
}
