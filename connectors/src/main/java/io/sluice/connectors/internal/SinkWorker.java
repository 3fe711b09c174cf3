package io.sluice.connectors.internal;

import io.sluice.broker.Cluster;
import io.sluice.broker.Consumer;
import io.sluice.broker.ConsumerConfig;
import io.sluice.broker.ConsumerRebalanceListener;
import io.sluice.broker.ConsumerRecord;
import io.sluice.broker.OffsetAndMetadata;
import io.sluice.broker.TopicPartition;
import io.sluice.broker.WakeupException;
import io.sluice.connectors.SinkTask;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one sink task on its own thread, as a member of the connector's consumer group ({@code connect-NAME}): polls,
 * puts the records to the task, and every {@code offset.flush.interval.ms} (and before its partitions move) has the
 * task flush, then commits. A put that fails is tried again with the same records, waiting longer each time (up to
 * 30 s), its partitions paused while the task goes on polling — so it stays in its group through a long outage; a
 * flush that fails is tried again the same way, in place. Nothing is committed past what the outside system holds.
 */
public final class SinkWorker extends TaskWorker {
    private static final Logger log = LoggerFactory.getLogger(SinkWorker.class);
    private static final long MAX_BACKOFF_MS = 30_000;

    private final SinkTask task;
    private final Map<String, String> config;
    private final List<String> topics;
    private final long flushIntervalMs;
    private final Consumer consumer;
    /** Null without a dead-letter topic. */
    private final DeadLetters deadLetters;
    /** Records set aside during the put being tried, so that a retry of it does not set them aside twice. */
    private final java.util.Set<String> rejected = new java.util.HashSet<>();
    /** A put that failed, to be tried again at {@link #nextTryNanos}; null when none is waiting. */
    private List<ConsumerRecord> retry;
    private long nextTryNanos;
    private long backoffMs;
    /** The offset after the last record put, per partition, not committed yet. */
    private final Map<TopicPartition, OffsetAndMetadata> pending = new HashMap<>();

    public SinkWorker(String name, SinkTask task, Map<String, String> config, List<String> topics,
                      long flushIntervalMs, String deadLetterTopic, Cluster cluster) {
        super(name);
        this.task = task;
        this.config = config;
        this.topics = topics;
        this.flushIntervalMs = flushIntervalMs;
        this.deadLetters = deadLetterTopic.isEmpty() ? null : new DeadLetters(deadLetterTopic,
                config.get(ConnectorSettings.NAME), cluster);
        this.consumer = cluster.consumer(ConsumerConfig.builder()
                .groupId("connect-" + config.get(ConnectorSettings.NAME)).clientId(name)
                .set(ConsumerConfig.ENABLE_AUTO_COMMIT, false)
                .set(ConsumerConfig.AUTO_OFFSET_RESET, "earliest")
                .set(ConsumerConfig.MAX_POLL_INTERVAL_MS, Long.parseLong(config.getOrDefault(
                        ConnectorSettings.MAX_POLL_INTERVAL_MS, "300000"))).build());
    }

    @Override
    public void stop() {
        super.stop();
        consumer.wakeup();
    }

    @Override
    public void run() {
        try {
            task.start(config, (record, reason) -> {
                if (!rejected.add(record.topicPartition() + "@" + record.offset())) {
                    return; // set aside already, by an earlier try of the same put
                }
                if (deadLetters == null) {
                    throw new Unrecoverable("Sink rejected a record and there is no dead-letter topic ("
                            + ConnectorSettings.DEAD_LETTER_TOPIC + "): topic=" + record.topic() + ", partition="
                            + record.partition() + ", offset=" + record.offset() + ", reason=" + reason, reason);
                }
                deadLetters.send(record, reason);
            });
            consumer.subscribe(topics, new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    flushAndCommit();
                    if (retry != null) {
                        // Their records are the new owner's to deliver now (again: at-least-once).
                        retry.removeIf(r -> partitions.contains(r.topicPartition()));
                    }
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    if (retry != null) {
                        consumer.pause(partitions); // nothing new is read while a put waits to be tried again
                    }
                }
            });
            long lastFlush = System.currentTimeMillis();
            while (running) {
                List<ConsumerRecord> records = consumer.poll(Duration.ofMillis(retry != null ? 50 : 200));
                if (retry != null) {
                    tryAgain();
                } else if (!records.isEmpty()) {
                    rejected.clear();
                    put(new ArrayList<>(records));
                }
                if (retry == null && System.currentTimeMillis() - lastFlush >= flushIntervalMs) {
                    flushAndCommit();
                    lastFlush = System.currentTimeMillis();
                }
            }
            flushAndCommit();
        } catch (WakeupException stopping) {
            if (!running) {
                flushAndCommitQuietly();
            } else {
                failure = stopping;
            }
        } catch (Throwable t) {
            failure = t;
            log.error("Sink task failed; what it put since its last commit will be delivered again: task={}", name,
                    t);
        } finally {
            try {
                task.stop();
            } catch (Exception e) {
                log.warn("Sink task failed to stop cleanly: task={}", name, e);
            }
            consumer.close();
            if (deadLetters != null) {
                deadLetters.close();
            }
        }
    }

    /**
     * Puts the records; if that fails, keeps them to try again later and pauses the partitions, so that polling —
     * which keeps this task in its group however long the target is down — reads nothing new meanwhile.
     */
    private void put(List<ConsumerRecord> records) throws Exception {
        try {
            task.put(records);
            delivered(records);
        } catch (Unrecoverable e) {
            throw e;
        } catch (Exception e) {
            retry = records;
            backoffMs = 100;
            nextTryNanos = System.nanoTime() + backoffMs * 1_000_000;
            consumer.pause(consumer.assignment());
            log.warn("Sink task put failed, trying again in {} ms: task={}, error={}", backoffMs, name, e.toString());
        }
    }

    private void tryAgain() throws Exception {
        if (System.nanoTime() < nextTryNanos) {
            return;
        }
        try {
            task.put(retry);
            log.info("Sink task put succeeded on a later try: task={}", name);
            delivered(retry);
            retry = null;
            consumer.resume(consumer.paused());
        } catch (Unrecoverable e) {
            throw e;
        } catch (Exception e) {
            backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs * 2);
            nextTryNanos = System.nanoTime() + backoffMs * 1_000_000;
            log.warn("Sink task put failed, trying again in {} ms: task={}, error={}", backoffMs, name, e.toString());
        }
    }

    private void delivered(List<ConsumerRecord> records) {
        for (ConsumerRecord r : records) {
            pending.put(r.topicPartition(), new OffsetAndMetadata(r.offset() + 1, ""));
        }
    }

    private void flushAndCommitQuietly() {
        try {
            flushAndCommit();
        } catch (RuntimeException e) {
            failure = e;
        }
    }

    private void flushAndCommit() {
        if (pending.isEmpty()) {
            return;
        }
        retrying("flush", task::flush);
        if (deadLetters != null) {
            deadLetters.flush(); // what was set aside is stored before the offsets that pass it are committed
        }
        consumer.commitSync(Map.copyOf(pending));
        pending.clear();
    }

    private interface Attempt {
        void run() throws Exception;
    }

    /** A failure that trying again cannot mend: the task stops. */
    private static final class Unrecoverable extends RuntimeException {
        Unrecoverable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Runs {@code attempt} until it succeeds, waiting 100 ms, then twice as long each time, up to 30 s. */
    private void retrying(String what, Attempt attempt) {
        long backoffMs = 100;
        for (int tries = 1; ; tries++) {
            try {
                attempt.run();
                if (tries > 1) {
                    log.info("Sink task {} succeeded after {} tries: task={}", what, tries, name);
                }
                return;
            } catch (Unrecoverable e) {
                throw e;
            } catch (Exception e) {
                if (!running) {
                    throw new IllegalStateException("Sink task " + what + " failed while stopping: task=" + name, e);
                }
                log.warn("Sink task {} failed, trying again in {} ms: task={}, error={}", what, backoffMs, name,
                        e.toString());
                try {
                    for (long slept = 0; slept < backoffMs && running; slept += 100) {
                        Thread.sleep(Math.min(100, backoffMs - slept)); // a stop is not kept waiting 30 s
                    }
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("Interrupted while retrying a sink " + what, interrupted);
                }
                backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs * 2);
            }
        }
    }
}
