package io.sluice.dsl;

import java.time.Duration;

/**
 * Sessions: a key's records closer together than the inactivity gap form one window, which grows and merges as
 * records arrive. A session's window is {@code [first record, last record]}, both inclusive. A session closes when
 * stream time passes its end plus the gap plus the grace period.
 */
public final class SessionWindows {
    private final long gapMs;
    private final long graceMs;

    private SessionWindows(long gapMs, long graceMs) {
        this.gapMs = gapMs;
        this.graceMs = graceMs;
    }

    public static Unfinished inactivityGap(Duration gap) {
        return new Unfinished(Windows.positive(gap, "inactivity gap"));
    }

    public long gapMs() {
        return gapMs;
    }

    public long graceMs() {
        return graceMs;
    }

    @Override
    public String toString() {
        return "sessions(gap " + gapMs + " ms, grace " + graceMs + " ms)";
    }

    /** Sessions whose grace period is still to be chosen. */
    public static final class Unfinished {
        private final long gapMs;

        private Unfinished(long gapMs) {
            this.gapMs = gapMs;
        }

        public SessionWindows grace(Duration grace) {
            return new SessionWindows(gapMs, Windows.notNegative(grace, "grace period"));
        }

        public SessionWindows noGrace() {
            return new SessionWindows(gapMs, 0);
        }
    }
}
