package io.sluice.broker.internal.ingest;

import io.sluice.broker.Callback;
import io.sluice.broker.internal.log.PartitionLog;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The group commit of a shard for partitions that fsync every batch ({@code flush.messages=1}). The journal hands
 * each drained run's records over once they are written; this thread fsyncs the partitions, then makes the records
 * visible and acknowledges them. Meanwhile the journal goes on writing the next runs, so the next fsync covers
 * everything written during this one: the batch per fsync grows with the load.
 *
 * <pre>
 *   sluice-journal-N: write run k+1 ─► write run k+2 ─► …
 *   sluice-flusher-N:   fsync run k ─► publish + ack run k ─► fsync runs k+1, k+2 ─► …
 * </pre>
 *
 * Work is done in submission order, so acknowledgements, high watermarks and task completions keep the order of
 * the ring. The records waiting are bounded: a slow disk slows the journal, and through the ring, the producers.
 */
final class FlushStage implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FlushStage.class);
    private static final Object STOP = new Object();

    /**
     * Records written but not yet fsynced, at most: while one fsync runs, the journal goes on writing up to this
     * many, and the next fsync covers them. A bound in records rather than runs, so that the group commit does
     * not shrink with the ring size.
     */
    static final int MAX_UNFLUSHED_RECORDS = 131_072;

    /** One partition's part of a run: where it ends and the outcome of each record. */
    record PartitionFlush(PartitionWriter writer, PartitionLog.Position end, Callback[] callbacks, long[] offsets,
                          long[] timestamps) {
    }

    private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private final Semaphore unflushed = new Semaphore(MAX_UNFLUSHED_RECORDS);
    private final AtomicInteger outstanding = new AtomicInteger();
    private final Thread thread;

    FlushStage(int shardId) {
        this.thread = new BrokerThread(this::run, "sluice-flusher-" + shardId);
        thread.start();
    }

    static List<PartitionFlush> newRun() {
        return new ArrayList<>(4);
    }

    /** Whether everything submitted so far is done. Journal thread. */
    boolean idle() {
        return outstanding.get() == 0;
    }

    /** Queues a run's partitions; blocks while too many records wait for an fsync. Journal thread. */
    void submit(List<PartitionFlush> run) {
        unflushed.acquireUninterruptibly(permits(run));
        outstanding.incrementAndGet();
        queue.add(run);
    }

    /** Runs {@code action} after everything submitted before it. Journal thread. */
    void after(Runnable action) {
        outstanding.incrementAndGet();
        queue.add(action);
    }

    private static int permits(List<PartitionFlush> run) {
        int records = 0;
        for (PartitionFlush flush : run) {
            records += flush.callbacks().length;
        }
        return Math.min(records, MAX_UNFLUSHED_RECORDS);
    }

    /** Waits until everything submitted is done. */
    void drain() {
        while (!idle()) {
            Thread.yield();
        }
    }

    @SuppressWarnings("unchecked")
    private void run() {
        while (true) {
            Object work;
            try {
                work = queue.take();
            } catch (InterruptedException e) {
                continue;
            }
            if (work == STOP) {
                return;
            }
            try {
                if (work instanceof Runnable action) {
                    action.run();
                } else {
                    List<PartitionFlush> run = (List<PartitionFlush>) work;
                    try {
                        for (PartitionFlush flush : run) {
                            // An fsync covers all written so far: runs queued behind this one often need none.
                            flush.writer().completeFlushed(flush);
                        }
                    } finally {
                        unflushed.release(permits(run));
                    }
                }
            } catch (Throwable e) {
                // Nothing may stop this thread: the acknowledgements of every later run depend on it.
                log.error("Flush stage error", e);
            } finally {
                outstanding.decrementAndGet();
            }
        }
    }

    /** Finishes the queued work, then stops the thread. */
    @Override
    public void close() {
        drain();
        queue.add(STOP);
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
