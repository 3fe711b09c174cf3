package io.sluice.broker.internal.net;

import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;

/**
 * Warnings that a client can cause as often as it likes (connections refused, connections closed for bad bytes),
 * logged at a bounded rate per kind: the first {@value #BURST} of each period, then a line per period saying how
 * many more there were. Thread-safe.
 */
final class WarningLimiter {
    static final int BURST = 10;
    private static final long PERIOD_NANOS = 10_000_000_000L;

    private final Logger log;
    private final ConcurrentHashMap<String, Window> windows = new ConcurrentHashMap<>();

    WarningLimiter(Logger log) {
        this.log = log;
    }

    void warn(String kind, String message) {
        if (allow(kind)) {
            log.warn(message);
        }
    }

    /** Whether a warning of this kind may be logged now (the caller logs it, with its stack trace, say). */
    boolean allow(String kind) {
        long now = System.nanoTime();
        Window window = windows.computeIfAbsent(kind, k -> new Window(now));
        String summary;
        boolean logIt;
        synchronized (window) {
            summary = window.endIfOver(kind, now);
            logIt = window.logged < BURST;
            if (logIt) {
                window.logged++;
            } else {
                window.suppressed++;
            }
        }
        if (summary != null) {
            log.warn(summary);
        }
        return logIt;
    }

    /** Logs what was held back in periods that are over; a network thread calls it now and then. */
    void flush() {
        long now = System.nanoTime();
        windows.forEach((kind, window) -> {
            String summary;
            synchronized (window) {
                summary = window.endIfOver(kind, now);
            }
            if (summary != null) {
                log.warn(summary);
            }
        });
    }

    /** One kind's period: how many it logged and held back since it began. Guarded by itself. */
    private static final class Window {
        long start;
        int logged;
        long suppressed;

        Window(long start) {
            this.start = start;
        }

        /** Starts a new period if this one is over; the line saying what it held back, or null. */
        String endIfOver(String kind, long now) {
            if (now - start <= PERIOD_NANOS) {
                return null;
            }
            String summary = suppressed == 0 ? null : suppressed + " more warnings like this (" + kind
                    + ") in the last " + (now - start) / 1_000_000_000L + " s were not logged";
            start = now;
            logged = 0;
            suppressed = 0;
            return summary;
        }
    }
}
