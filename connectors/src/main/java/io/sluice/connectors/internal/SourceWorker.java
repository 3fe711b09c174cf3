package io.sluice.connectors.internal;

import io.sluice.broker.Cluster;
import io.sluice.broker.Producer;
import io.sluice.broker.ProducerRecord;
import io.sluice.connectors.SourceRecord;
import io.sluice.connectors.SourceTask;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one source task on its own thread: polls it, sends what it returns, and every
 * {@code offset.flush.interval.ms} waits for every send to be acknowledged and stores the latest offset of each
 * source partition — so a stored offset never runs ahead of what is in the topics. After a crash the source
 * resumes from the last stored offsets and may send again what followed them (at-least-once).
 */
public final class SourceWorker extends TaskWorker {
    private static final Logger log = LoggerFactory.getLogger(SourceWorker.class);

    private final SourceTask task;
    private final Map<String, String> config;
    private final long flushIntervalMs;
    private final OffsetStore offsets;
    private final Producer producer;
    /** The offset after the last record polled, per source partition, not stored yet. */
    private final Map<Map<String, ?>, Map<String, ?>> pending = new HashMap<>();
    private final AtomicReference<Exception> sendFailure = new AtomicReference<>();
    private volatile boolean ended;

    public SourceWorker(String name, SourceTask task, Map<String, String> config, long flushIntervalMs,
                        OffsetStore offsets, Cluster cluster) {
        super(name);
        this.task = task;
        this.config = config;
        this.flushIntervalMs = flushIntervalMs;
        this.offsets = offsets;
        this.producer = cluster.producer();
    }

    /** Whether the task finished: its source ended (or it was stopped) and everything it read is stored. */
    public boolean ended() {
        return ended;
    }

    @Override
    public void run() {
        String connector = config.get(ConnectorSettings.NAME);
        try {
            task.start(config, partition -> offsets.offset(connector, partition));
            long lastFlush = System.currentTimeMillis();
            while (running) {
                List<SourceRecord> records = task.poll();
                if (records == null) {
                    log.info("Source ended: task={}", name);
                    break;
                }
                for (SourceRecord r : records) {
                    ProducerRecord record = new ProducerRecord(r.topic(), ProducerRecord.ANY_PARTITION, r.key(),
                            r.value(), r.timestamp() < 0 ? ProducerRecord.NO_TIMESTAMP : r.timestamp(),
                            r.headers());
                    producer.send(record, (metadata, error) -> {
                        if (error != null) {
                            sendFailure.compareAndSet(null, error);
                            task.failed(r, error);
                        } else {
                            task.acknowledged(r);
                        }
                    });
                    if (!r.sourcePartition().isEmpty()) {
                        pending.put(r.sourcePartition(), r.sourceOffset());
                    }
                }
                if (sendFailure.get() != null) {
                    throw sendFailure.get();
                }
                if (System.currentTimeMillis() - lastFlush >= flushIntervalMs) {
                    storeOffsets(connector);
                    lastFlush = System.currentTimeMillis();
                }
            }
            storeOffsets(connector);
            producer.flush(); // a source without positions still has its records sent before it says it ended
            ended = sendFailure.get() == null;
        } catch (Throwable t) {
            failure = t;
            log.error("Source task failed; it stops, its offsets as last stored: task={}", name, t);
        } finally {
            try {
                task.stop();
            } catch (Exception e) {
                log.warn("Source task failed to stop cleanly: task={}", name, e);
            }
            producer.close();
        }
    }

    private void storeOffsets(String connector) throws Exception {
        if (pending.isEmpty()) {
            return;
        }
        producer.flush();
        if (sendFailure.get() != null) {
            throw sendFailure.get(); // a record was not stored: its offset must not be either
        }
        offsets.write(connector, pending);
        pending.clear();
    }
}
