package io.sluice.broker.internal.ingest;

import com.lmax.disruptor.EventHandler;
import io.sluice.broker.StorageException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single writer of one shard's partition logs. It drains the ring with smart batching: records are grouped per
 * partition as they arrive and, at the end of each drained run, each touched partition gets one batch (cut at
 * {@link PartitionWriter#MAX_BATCH_BYTES}), then one fsync if its flush policy asks, then its high watermark moves,
 * its senders are acknowledged and its readers woken. Under light load a run is one record and latency stays low;
 * under heavy load runs grow and so do batches.
 *
 * <pre>
 *   producers ─► ring ─► onEvent: group by partition ─► endOfBatch: write ─┬─► publish ─► ack ─► wake
 *                                                                         └─► (flush.messages=1) FlushStage:
 *                                                                               fsync ─► publish ─► ack ─► wake
 * </pre>
 *
 * A task event first ends the current run, so it sees every record published before it.
 */
final class JournalHandler implements EventHandler<IngestEvent> {
    private static final Logger log = LoggerFactory.getLogger(JournalHandler.class);

    private final LongSupplier clock;
    private final BatchEncoder encoder = new BatchEncoder();
    private final List<PartitionWriter> touched = new ArrayList<>();
    private final FlushStage flusher;
    private volatile boolean stopped;

    JournalHandler(LongSupplier clock, FlushStage flusher) {
        this.clock = clock;
        this.flusher = flusher;
    }

    @Override
    public void onEvent(IngestEvent event, long sequence, boolean endOfBatch) {
        if (stopped) {
            // Everything after the shutdown event belongs to its publisher, which fails it.
            return;
        }
        switch (event.kind) {
            case IngestEvent.RECORD -> {
                PartitionWriter writer = event.writer;
                if (!writer.hasPending()) {
                    touched.add(writer);
                }
                writer.add(event.key, event.value, event.timestamp, event.headers, event.callback);
                event.release();
            }
            case IngestEvent.BUILT -> {
                PartitionWriter writer = event.writer;
                if (!writer.hasPending()) {
                    touched.add(writer);
                }
                writer.add(event.built);
                event.release();
            }
            case IngestEvent.TASK -> {
                endRun();
                runTask(event);
            }
            case IngestEvent.SHUTDOWN -> {
                endRun();
                flusher.drain();
                runTask(event);
                stopped = true;
            }
            default -> log.error("Unknown ingest event kind: kind={}, sequence={}", event.kind, sequence);
        }
        if (endOfBatch) {
            endRun();
        }
    }

    private void endRun() {
        if (touched.isEmpty()) {
            return;
        }
        try {
            long now = clock.getAsLong();
            for (int i = 0, n = touched.size(); i < n; i++) {
                touched.get(i).writePending(encoder, now);
            }
            List<FlushStage.PartitionFlush> toFsync = null;
            for (int i = 0, n = touched.size(); i < n; i++) {
                PartitionWriter writer = touched.get(i);
                if (writer.hasPending() && writer.needsFlushStage()) {
                    if (toFsync == null) {
                        toFsync = FlushStage.newRun();
                    }
                    toFsync.add(writer.detachForFlush());
                } else {
                    writer.maybeFlush(now);
                }
            }
            for (int i = 0, n = touched.size(); i < n; i++) {
                touched.get(i).publishAndComplete();
            }
            if (toFsync != null) {
                flusher.submit(toFsync);
            }
        } catch (Throwable t) {
            // Unexpected: the writers catch their own failures. Whatever is still pending fails rather than being
            // written twice by the next run.
            log.error("Journal run failed", t);
            for (PartitionWriter writer : touched) {
                writer.failPending(new StorageException("Journal run failed: partition="
                        + writer.log().topicPartition() + ", cause=" + t));
            }
        } finally {
            touched.clear();
        }
    }

    /**
     * Runs a task on the journal thread. Its result is delivered after every acknowledgement of the records
     * before it — some may still be waiting for their fsync — so that a flush barrier means what it says.
     */
    private void runTask(IngestEvent event) {
        var result = event.taskResult;
        try {
            Object value = event.task.call();
            if (result != null) {
                completeInOrder(() -> result.complete(value));
            }
        } catch (Throwable t) {
            if (result != null) {
                completeInOrder(() -> result.completeExceptionally(t));
            } else {
                log.error("Journal task failed", t);
            }
        } finally {
            event.task = null;
            event.taskResult = null;
        }
    }

    private void completeInOrder(Runnable completion) {
        if (flusher.idle()) {
            completion.run();
        } else {
            flusher.after(completion);
        }
    }
}
