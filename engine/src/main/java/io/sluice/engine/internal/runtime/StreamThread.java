package io.sluice.engine.internal.runtime;

import io.sluice.broker.Cluster;
import io.sluice.broker.Consumer;
import io.sluice.broker.ConsumerConfig;
import io.sluice.broker.ConsumerRecord;
import io.sluice.broker.OffsetAndMetadata;
import io.sluice.broker.Producer;
import io.sluice.broker.ProducerConfig;
import io.sluice.broker.TopicPartition;
import io.sluice.broker.WakeupException;
import io.sluice.engine.internal.state.LoggedStore;
import io.sluice.engine.internal.task.RecordCollector;
import io.sluice.engine.internal.task.Task;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a fixed set of tasks: restores their stores, then polls their input partitions, processes, punctuates and
 * commits every {@code commit.interval.ms} — changelogs and outputs flushed before the input offsets they follow
 * from are committed (at-least-once).
 *
 * <pre>
 *   poll(inputs) ──► task.add ──► task.process ──► sinks, changelogs ──► collector (producer)
 *        ▲                                                                   │
 *        └──── every commit.interval.ms: stores flush → collector.flush → commit offsets
 * </pre>
 */
public final class StreamThread implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(StreamThread.class);

    /** How a thread ended: cleanly, or with the error that stopped it. */
    public interface Listener {
        void onRestored(StreamThread thread);

        void onStopped(StreamThread thread, Throwable error);
    }

    private final String name;
    private final Cluster broker;
    private final RuntimeSettings settings;
    private final Listener listener;
    private final Consumer consumer;
    private final Producer producer;
    private final BrokerCollector collector;
    private final List<Task> tasks;
    private final Map<TopicPartition, Task> taskByInput = new HashMap<>();
    /** Inputs not fetched while their task works off what it holds of them. */
    private final Set<TopicPartition> paused = new HashSet<>();
    private volatile boolean running = true;

    public StreamThread(String name, Cluster broker, RuntimeSettings settings,
                        Function<RecordCollector, List<Task>> taskFactory, Listener listener) {
        this.name = name;
        this.broker = broker;
        this.settings = settings;
        this.listener = listener;
        this.producer = broker.producer(ProducerConfig.builder().acks("all").clientId(name)
                .set(ProducerConfig.ENCODE_ON_SEND, settings.encodeOnSend()).build());
        this.collector = new BrokerCollector(producer, settings.encodeOnSend());
        List<Task> created = List.of();
        try {
            created = taskFactory.apply(collector);
            this.consumer = broker.consumer(ConsumerConfig.builder()
                    .set(ConsumerConfig.GROUP_ID, settings.applicationId())
                    .set(ConsumerConfig.CLIENT_ID, name)
                    .set(ConsumerConfig.ENABLE_AUTO_COMMIT, false)
                    .set(ConsumerConfig.AUTO_OFFSET_RESET, "earliest")
                    .set(ConsumerConfig.MAX_POLL_RECORDS, settings.maxPollRecords())
                    .build());
        } catch (RuntimeException e) {
            // A constructor that fails releases what it opened: the producer and the tasks' stores.
            for (Task task : created) {
                try {
                    task.close();
                } catch (RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            producer.close();
            throw e;
        }
        this.tasks = created;
        for (Task task : tasks) {
            for (TopicPartition tp : task.inputs()) {
                taskByInput.put(tp, task);
            }
        }
    }

    public String name() {
        return name;
    }

    public List<Task> tasks() {
        return tasks;
    }

    /** Asks the thread to commit and stop; returns at once. */
    public void shutdown() {
        running = false;
        consumer.wakeup();
    }

    @Override
    public void run() {
        Throwable error = null;
        boolean initialized = false;
        try {
            List<LoggedStore> stores = new ArrayList<>();
            tasks.forEach(t -> stores.addAll(t.stores()));
            Restorer.restore(broker, stores, settings.metrics(), () -> running);
            restoreStreamTimes();
            for (Task task : tasks) {
                task.initialize();
            }
            initialized = true;
            listener.onRestored(this);
            consumer.assign(taskByInput.keySet());
            long lastCommit = System.currentTimeMillis();
            while (running) {
                pollOnce();
                long now = System.currentTimeMillis();
                for (Task task : tasks) {
                    task.punctuateWallClock(now);
                }
                collector.handOff();
                if (now - lastCommit >= settings.commitIntervalMs()) {
                    commit();
                    lastCommit = now;
                }
                for (Task task : tasks) {
                    task.publishPositions();
                }
            }
            commit();
        } catch (WakeupException e) {
            if (running) {
                error = e;
            } else {
                error = commitQuietly();
            }
        } catch (Throwable e) {
            error = e;
            log.error("Stream thread failed; its tasks stop without committing what followed their last commit: "
                    + "thread={}", name, e);
        } finally {
            closeAll(initialized);
            listener.onStopped(this, error);
        }
    }

    private Throwable commitQuietly() {
        try {
            commit();
            return null;
        } catch (RuntimeException e) {
            return e;
        }
    }

    private void pollOnce() {
        List<ConsumerRecord> records = consumer.poll(Duration.ofMillis(settings.pollMs()));
        TopicPartition last = null;
        int from = 0;
        for (int i = 0; i < records.size(); i++) {
            ConsumerRecord r = records.get(i);
            if (last == null || r.partition() != last.partition() || !r.topic().equals(last.topic())) {
                if (last != null) {
                    feed(last, records.subList(from, i));
                }
                last = r.topicPartition();
                from = i;
            }
        }
        if (last != null) {
            feed(last, records.subList(from, records.size()));
        }
        for (Task task : tasks) {
            if (task.hasBuffered()) {
                task.process(Integer.MAX_VALUE, this::caughtUp);
            }
        }
        pauseWhatPilesUp();
        // A task that has read its partitions to their end: what its processors hold back moves on now.
        for (Task task : tasks) {
            if (task.holdsInput() && caughtUp(task)) {
                task.flushHeldInput();
            }
        }
    }

    private boolean caughtUp(Task task) {
        for (TopicPartition partition : task.inputs()) {
            if (!caughtUp(partition)) {
                return false;
            }
        }
        return true;
    }

    private boolean caughtUp(TopicPartition partition) {
        return consumer.currentLag(partition).orElse(1) == 0;
    }

    /**
     * Stops fetching an input while a task that waits for another of its inputs holds at least
     * {@code buffered.records.per.partition} of its records, and fetches it again once the task has worked them off.
     */
    private void pauseWhatPilesUp() {
        for (Task task : tasks) {
            for (TopicPartition partition : task.inputs()) {
                if (task.buffered(partition) >= settings.maxBuffered()) {
                    if (paused.add(partition)) {
                        consumer.pause(List.of(partition));
                        settings.metrics().counter("input-pauses", "thread", name).increment();
                    }
                } else if (paused.remove(partition)) {
                    consumer.resume(List.of(partition));
                }
            }
        }
    }

    private void feed(TopicPartition partition, List<ConsumerRecord> records) {
        taskByInput.get(partition).add(partition, records);
    }

    /** Commit metadata: the task's stream time, restored on start. */
    private static final String STREAM_TIME = "stream-time=";

    private void restoreStreamTimes() {
        Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(taskByInput.keySet());
        committed.forEach((tp, c) -> {
            String meta = c == null ? null : c.metadata();
            if (meta != null && meta.startsWith(STREAM_TIME)) {
                try {
                    taskByInput.get(tp).restoreStreamTime(Long.parseLong(meta.substring(STREAM_TIME.length())));
                } catch (NumberFormatException e) {
                    log.warn("Ignoring unreadable commit metadata: partition={}, metadata={}", tp, meta);
                }
            }
        });
    }

    private void commit() {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (Task task : tasks) {
            String meta = STREAM_TIME + task.streamTime();
            task.prepareCommit().forEach((tp, offset) -> offsets.put(tp, new OffsetAndMetadata(offset, meta)));
        }
        collector.flush();
        if (!offsets.isEmpty()) {
            consumer.commitSync(offsets);
        }
    }

    private void closeAll(boolean initialized) {
        for (Task task : tasks) {
            try {
                task.close();
            } catch (RuntimeException e) {
                log.warn("A processor failed to close: thread={}, task={}", name, task.id(), e);
            }
        }
        try {
            consumer.close();
        } catch (RuntimeException e) {
            log.warn("Consumer failed to close: thread={}", name, e);
        }
        try {
            producer.close();
        } catch (RuntimeException e) {
            log.warn("Producer failed to close: thread={}", name, e);
        }
    }
}
