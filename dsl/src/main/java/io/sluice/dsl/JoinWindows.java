package io.sluice.dsl;

import java.time.Duration;

/**
 * How far apart in event time two records of a stream–stream join may be: a record of this stream at {@code t}
 * joins records of the other stream in {@code [t - before, t + after]}. A record is late — dropped and counted —
 * once stream time passes {@code t + after + grace}. For left and outer joins, a record without a partner is emitted
 * with null once no record that is not late could still join it: when stream time passes
 * {@code t + before + after + grace}.
 */
public final class JoinWindows {
    private final long beforeMs;
    private final long afterMs;
    private final long graceMs;

    private JoinWindows(long beforeMs, long afterMs, long graceMs) {
        this.beforeMs = beforeMs;
        this.afterMs = afterMs;
        this.graceMs = graceMs;
    }

    /** Records at most {@code difference} apart, either way. */
    public static Unfinished within(Duration difference) {
        long d = Windows.notNegative(difference, "join window");
        return new Unfinished(d, d);
    }

    /** Records of the other stream from {@code before} earlier to {@code after} later. */
    public static Unfinished between(Duration before, Duration after) {
        return new Unfinished(Windows.notNegative(before, "join window before"),
                Windows.notNegative(after, "join window after"));
    }

    public long beforeMs() {
        return beforeMs;
    }

    public long afterMs() {
        return afterMs;
    }

    public long graceMs() {
        return graceMs;
    }

    /** The same windows seen from the other stream. */
    JoinWindows reversed() {
        return new JoinWindows(afterMs, beforeMs, graceMs);
    }

    @Override
    public String toString() {
        return "join(before " + beforeMs + " ms, after " + afterMs + " ms, grace " + graceMs + " ms)";
    }

    /** Join windows whose grace period is still to be chosen. */
    public static final class Unfinished {
        private final long beforeMs;
        private final long afterMs;

        private Unfinished(long beforeMs, long afterMs) {
            this.beforeMs = beforeMs;
            this.afterMs = afterMs;
        }

        public JoinWindows grace(Duration grace) {
            return new JoinWindows(beforeMs, afterMs, Windows.notNegative(grace, "grace period"));
        }

        public JoinWindows noGrace() {
            return new JoinWindows(beforeMs, afterMs, 0);
        }
    }
}
