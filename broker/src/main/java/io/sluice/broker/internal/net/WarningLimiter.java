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
        String summary = null;
        boolean logIt;
        synchronized (window) {
            if (now - window.start > PERIOD_NANOS) {
                if (window.suppressed > 0) {
                    summary = window.suppressed + " more warnings like this (" + kind + ") in the last "
                            + (now - window.start) / 1_000_000_000L + " s were not logged";
                }
                window.start = now;
                window.logged = 0;
                window.suppressed = 0;
            }
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
            long suppressed;
            synchronized (window) {
                if (now - window.start <= PERIOD_NANOS || window.suppressed == 0) {
                    return;
                }
                suppressed = window.suppressed;
                window.start = now;
                window.logged = 0;
                window.suppressed = 0;
            }
            log.warn("{} more warnings like this ({}) were not logged", suppressed, kind);
        });
    }

    private static final class Window {
        long start;
        int logged;
        long suppressed;

        Window(long start) {
            this.start = start;
        }
    }
}
