package io.sluice.dsl;

import java.time.Duration;

/**
 * Fixed-size time windows: tumbling (back to back) or hopping (overlapping, one every {@code advance}). Windows
 * are {@code [start, end)} and aligned to the epoch. A window closes when stream time reaches its end plus the
 * grace period; later records for it are dropped and counted in {@code dropped-late-records}. Choosing the grace
 * period is required: {@code Windows.tumbling(d).grace(g)} or {@code .noGrace()}.
 */
public final class Windows {
    private final long sizeMs;
    private final long advanceMs;
    private final long graceMs;

    private Windows(long sizeMs, long advanceMs, long graceMs) {
        this.sizeMs = sizeMs;
        this.advanceMs = advanceMs;
        this.graceMs = graceMs;
    }

    /** Back-to-back windows of {@code size}. */
    public static Unfinished tumbling(Duration size) {
        return new Unfinished(positive(size, "size"), positive(size, "size"));
    }

    /** Windows of {@code size} starting every {@code advance} (at most {@code size}). */
    public static Unfinished hopping(Duration size, Duration advance) {
        long s = positive(size, "size");
        long a = positive(advance, "advance");
        if (a > s) {
            throw new IllegalArgumentException("Invalid hopping windows: advance " + advance + " exceeds size " + size);
        }
        return new Unfinished(s, a);
    }

    static long positive(Duration d, String what) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("Invalid window " + what + ": " + d + " (must be positive)");
        }
        return d.toMillis();
    }

    static long notNegative(Duration d, String what) {
        if (d == null || d.isNegative()) {
            throw new IllegalArgumentException("Invalid " + what + ": " + d + " (must not be negative)");
        }
        return d.toMillis();
    }

    public long sizeMs() {
        return sizeMs;
    }

    public long advanceMs() {
        return advanceMs;
    }

    public long graceMs() {
        return graceMs;
    }

    /** Start times of the windows that contain {@code timestamp}, latest first. */
    public long[] startsFor(long timestamp) {
        long latest = timestamp - Math.floorMod(timestamp, advanceMs);
        int count = 0;
        for (long s = latest; s > timestamp - sizeMs; s -= advanceMs) {
            count++;
        }
        long[] starts = new long[count];
        long s = latest;
        for (int i = 0; i < count; i++, s -= advanceMs) {
            starts[i] = s;
        }
        return starts;
    }

    @Override
    public String toString() {
        return (sizeMs == advanceMs ? "tumbling(" + sizeMs : "hopping(" + sizeMs + ", every " + advanceMs)
                + " ms, grace " + graceMs + " ms)";
    }

    /** Windows whose grace period is still to be chosen. */
    public static final class Unfinished {
        private final long sizeMs;
        private final long advanceMs;

        private Unfinished(long sizeMs, long advanceMs) {
            this.sizeMs = sizeMs;
            this.advanceMs = advanceMs;
        }

        /** Accept records up to {@code grace} after a window's end, in stream time. */
        public Windows grace(Duration grace) {
            return new Windows(sizeMs, advanceMs, notNegative(grace, "grace period"));
        }

        /** Close each window at its end: records after it are late. */
        public Windows noGrace() {
            return new Windows(sizeMs, advanceMs, 0);
        }
    }
}
