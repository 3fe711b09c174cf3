package io.sluice.broker.internal.ingest;

import com.lmax.disruptor.EventHandler;
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
 *   producers ─► ring ─► onEvent: group by partition ─► endOfBatch: write ─► fsync? ─► publish ─► ack ─► wake
 * </pre>
 *
 * A task event first ends the current run, so it sees every record published before it.
 */
final class JournalHandler implements EventHandler<IngestEvent> {
    private static final Logger log = LoggerFactory.getLogger(JournalHandler.class);

    private final LongSupplier clock;
    private final BatchEncoder encoder = new BatchEncoder();
    private final List<PartitionWriter> touched = new ArrayList<>();
    private volatile boolean stopped;

    JournalHandler(LongSupplier clock) {
        this.clock = clock;
    }

    boolean stopped() {
        return stopped;
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
                writer.add(event);
            }
            case IngestEvent.TASK -> {
                endRun();
                runTask(event);
            }
            case IngestEvent.SHUTDOWN -> {
                endRun();
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
        long now = clock.getAsLong();
        for (int i = 0, n = touched.size(); i < n; i++) {
            touched.get(i).writePending(encoder, now);
        }
        for (int i = 0, n = touched.size(); i < n; i++) {
            touched.get(i).maybeFlush(now);
        }
        for (int i = 0, n = touched.size(); i < n; i++) {
            touched.get(i).publishAndComplete();
        }
        touched.clear();
    }

    private static void runTask(IngestEvent event) {
        var result = event.taskResult;
        try {
            Object value = event.task.call();
            if (result != null) {
                result.complete(value);
            }
        } catch (Throwable t) {
            if (result != null) {
                result.completeExceptionally(t);
            } else {
                log.error("Journal task failed", t);
            }
        } finally {
            event.task = null;
            event.taskResult = null;
        }
    }
}
