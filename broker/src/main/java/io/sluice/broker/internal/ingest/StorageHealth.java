package io.sluice.broker.internal.ingest;

import io.sluice.broker.StorageException;
import io.sluice.broker.TopicPartition;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether a partition's log takes writes, and when it is tried again after a write or an fsync failed (a full disk,
 * most often). The states and their transitions:
 *
 * <pre>
 *   HEALTHY ──failure──► FAILED ──backoff over: next write is the probe──┬─► success ──► HEALTHY
 *      ▲                   │  ▲                                           └─► failure ──► FAILED, backoff doubled
 *      │                   │  └── records that arrive meanwhile are refused without touching the disk
 * </pre>
 *
 * The backoff starts at {@value #INITIAL_BACKOFF_MS} ms and doubles up to {@value #MAX_BACKOFF_MS} ms: a partition
 * recovers at most that long after the disk has room again, and a disk that stays full costs one failed write per
 * backoff. It is not configurable: nothing else in the broker waits on it, and Kafka has no such setting (it takes
 * the log directory offline until a restart).
 *
 * <p>The log says once that the partition stops taking writes (with the cause), at most every
 * {@value #REMINDER_INTERVAL_MS} ms that it still refuses them, and once that it takes them again, with how long it
 * refused them and how many records.
 *
 * <p>Thread contract: the transitions and {@link #mayWrite} are the journal thread's (the partition's single writer);
 * {@link #isFailed()} and {@link #recordsRefused()} may be read from any thread, and the flusher counts the
 * records of an fsync that failed ({@link #countFailedFlush}).
 */
final class StorageHealth {
    private static final Logger log = LoggerFactory.getLogger(StorageHealth.class);

    static final long INITIAL_BACKOFF_MS = 100;
    static final long MAX_BACKOFF_MS = 10_000;
    static final long REMINDER_INTERVAL_MS = 30_000;

    private final TopicPartition topicPartition;
    private volatile boolean failed;
    private final LongAdder recordsRefused = new LongAdder();
    /** The error records are refused with while failed; it carries the last failure as its cause. */
    private StorageException refusal;
    private long failedSinceMs;
    private long backoffMs;
    private long retryAtMs;
    private long refusedBefore;
    private long lastReminderMs;

    StorageHealth(TopicPartition topicPartition) {
        this.topicPartition = topicPartition;
    }

    /** Whether the partition refuses writes now. Any thread. */
    boolean isFailed() {
        return failed;
    }

    /** Records failed for a storage error since the broker started. Any thread. */
    long recordsRefused() {
        return recordsRefused.sum();
    }

    /** Whether the next write may go to the disk: healthy, or failed with its backoff over (that write is a probe). */
    boolean mayWrite(long nowMs) {
        return !failed || nowMs >= retryAtMs;
    }

    /** What records are refused with while failed. */
    StorageException refusal() {
        return refusal;
    }

    /**
     * A write or fsync failed: the partition stops taking writes, or, if it had already stopped (this was a probe),
     * waits twice as long before the next probe.
     */
    void failed(RuntimeException cause, long nowMs) {
        if (!failed) {
            failedSinceMs = nowMs;
            backoffMs = INITIAL_BACKOFF_MS;
            refusedBefore = recordsRefused.sum();
            lastReminderMs = nowMs;
            log.error("Partition stops accepting writes, its log cannot be written; retrying with backoff: "
                    + "partition={}, retryInMs={}", topicPartition, backoffMs, cause);
        } else {
            backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs * 2);
        }
        retryAtMs = nowMs + backoffMs;
        refusal = new StorageException("Partition not accepting writes, its log cannot be written: partition="
                + topicPartition + ", cause=" + describe(cause), cause);
        failed = true;
    }

    /** The failure's message and, if it is another, its root cause's: "No space left on device", most often. */
    private static String describe(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == failure ? failure.getMessage() : failure.getMessage() + " (" + root + ")";
    }

    /** A write went through: a failed partition takes writes again. */
    void succeeded(long nowMs) {
        if (!failed) {
            return;
        }
        failed = false;
        refusal = null;
        log.info("Partition accepts writes again: partition={}, failedForMs={}, recordsRefused={}", topicPartition,
                nowMs - failedSinceMs, recordsRefused.sum() - refusedBefore);
    }

    /** Counts records whose fsync failed. Any thread. */
    void countFailedFlush(int records) {
        recordsRefused.add(records);
    }

    /** Counts records failed for a storage error; while failed, says at a bounded rate that it still refuses. */
    void countRefused(int records, long nowMs) {
        recordsRefused.add(records);
        if (failed && nowMs - lastReminderMs >= REMINDER_INTERVAL_MS) {
            lastReminderMs = nowMs;
            log.warn("Partition still not accepting writes: partition={}, failedForMs={}, recordsRefused={}, "
                    + "retryInMs={}, cause={}", topicPartition, nowMs - failedSinceMs,
                    recordsRefused.sum() - refusedBefore, Math.max(0, retryAtMs - nowMs),
                    describe(refusal.getCause()));
        }
    }
}
