package io.sluice.engine.internal.runtime;

import io.sluice.broker.Cluster;
import io.sluice.broker.CommitFailedException;
import io.sluice.broker.Consumer;
import io.sluice.broker.ConsumerConfig;
import io.sluice.broker.ConsumerRebalanceListener;
import io.sluice.broker.ConsumerRecord;
import io.sluice.broker.OffsetAndMetadata;
import io.sluice.broker.Producer;
import io.sluice.broker.ProducerConfig;
import io.sluice.broker.TopicPartition;
import io.sluice.broker.WakeupException;
import io.sluice.engine.TaskId;
import io.sluice.engine.internal.state.LoggedStore;
import io.sluice.engine.internal.task.RecordCollector;
import io.sluice.engine.internal.task.Task;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the tasks of the partitions its consumer is assigned in the job's group ({@code application.id}): one task
 * per partition number of each sub-topology, made when its partitions arrive, its stores restored from their
 * changelogs before it processes, and committed and closed when they go to another thread or instance. In between
 * it polls, processes, punctuates and commits every {@code commit.interval.ms} — changelogs and outputs flushed
 * before the input offsets they follow from are committed (at-least-once).
 *
 * <pre>
 *   poll(inputs) ──► task.add ──► task.process ──► sinks, changelogs ──► collector (producer)
 *        ▲                                                                   │
 *        └──── every commit.interval.ms: stores flush → collector.flush → commit offsets
 *   rebalance: revoked → commit, close the tasks;  assigned → new tasks, restore their stores, then process
 * </pre>
 */
public final class StreamThread implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(StreamThread.class);

    /** Makes the task of an id, its stores empty until restored. */
    public interface TaskFactory {
        Task create(TaskId id, RecordCollector collector);
    }

    /** How a thread ended: cleanly, or with the error that stopped it. */
    public interface Listener {
        /** The thread's first assignment is restored (called once, even for an empty assignment). */
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
    private final Map<String, Integer> subTopologyByInput;
    private final TaskFactory taskFactory;
    /** Read by other threads (store queries, metrics); changed only by this one. */
    private final List<Task> tasks = new CopyOnWriteArrayList<>();
    private final Map<TaskId, Task> taskById = new HashMap<>();
    private final Map<TopicPartition, Task> taskByInput = new HashMap<>();
    private boolean restoredOnce;
    /** Inputs not fetched while their task works off what it holds of them. */
    private final Set<TopicPartition> paused = new HashSet<>();
    private volatile boolean running = true;

    /**
     * @param subTopologyByInput the sub-topology reading each input topic (repartition topics included): the
     *                           partition's task is (sub-topology, partition number)
     */
    public StreamThread(String name, Cluster broker, RuntimeSettings settings, Map<String, Integer> subTopologyByInput,
                        TaskFactory taskFactory, Listener listener) {
        this.name = name;
        this.broker = broker;
        this.settings = settings;
        this.listener = listener;
        this.subTopologyByInput = Map.copyOf(subTopologyByInput);
        this.taskFactory = taskFactory;
        this.producer = broker.producer(ProducerConfig.builder().acks("all").clientId(name)
                .set(ProducerConfig.ENCODE_ON_SEND, settings.encodeOnSend())
                .set(ProducerConfig.WAKE_ON_HAND_OFF, true).build());
        this.collector = new BrokerCollector(producer, settings.encodeOnSend());
        try {
            this.consumer = broker.consumer(ConsumerConfig.builder()
                    .set(ConsumerConfig.GROUP_ID, settings.applicationId())
                    .set(ConsumerConfig.CLIENT_ID, name)
                    .set(ConsumerConfig.ENABLE_AUTO_COMMIT, false)
                    .set(ConsumerConfig.AUTO_OFFSET_RESET, "earliest")
                    .set(ConsumerConfig.MAX_POLL_RECORDS, settings.maxPollRecords())
                    .build());
        } catch (RuntimeException e) {
            producer.close();
            throw e;
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
        try {
            consumer.subscribe(subTopologyByInput.keySet(), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    revoke(partitions, true);
                }

                @Override
                public void onPartitionsLost(Collection<TopicPartition> partitions) {
                    revoke(partitions, false); // others may own them already: nothing of theirs is committed
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    assign(partitions);
                }
            });
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
            closeAll();
            listener.onStopped(this, error);
        }
    }

    /** New partitions: their tasks are made, restored from their changelogs and initialized before any polling. */
    private void assign(Collection<TopicPartition> partitions) {
        List<Task> added = new ArrayList<>();
        for (TopicPartition tp : partitions) {
            Integer sub = subTopologyByInput.get(tp.topic());
            if (sub == null) {
                continue;
            }
            TaskId id = new TaskId(sub, tp.partition());
            Task task = taskById.get(id);
            if (task == null) {
                task = taskFactory.create(id, collector);
                taskById.put(id, task);
                added.add(task);
            }
            taskByInput.put(tp, task);
        }
        if (!added.isEmpty()) {
            List<LoggedStore> stores = new ArrayList<>();
            added.forEach(t -> stores.addAll(t.stores()));
            Set<TopicPartition> inputs = new HashSet<>();
            added.forEach(t -> inputs.addAll(t.inputs()));
            Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(inputs);
            Restorer.restore(broker, stores, committedOffsets(committed), settings.metrics(), () -> running);
            restoreStreamTimes(committed);
            for (Task task : added) {
                task.initialize();
            }
            tasks.addAll(added);
            log.info("Tasks assigned: thread={}, tasks={}", name, added.stream().map(Task::id).toList());
        }
        if (!restoredOnce) {
            restoredOnce = true;
            listener.onRestored(this);
        }
    }

    /**
     * Partitions going: their tasks commit (unless the partitions were lost) and close; their stores are dropped
     * here and restored from the changelogs wherever the tasks go.
     */
    private void revoke(Collection<TopicPartition> partitions, boolean commitFirst) {
        Set<Task> going = new java.util.LinkedHashSet<>();
        for (TopicPartition tp : partitions) {
            Task task = taskByInput.get(tp);
            if (task != null) {
                going.add(task);
            }
        }
        if (going.isEmpty()) {
            return;
        }
        if (commitFirst) {
            commit();
        }
        for (Task task : going) {
            tasks.remove(task);
            taskById.remove(task.id());
            for (TopicPartition tp : task.inputs()) {
                taskByInput.remove(tp);
                if (paused.remove(tp)) {
                    consumer.resume(List.of(tp));
                }
            }
            closeQuietly(task);
        }
        log.info("Tasks revoked: thread={}, tasks={}, committed={}", name, going.stream().map(Task::id).toList(),
                commitFirst);
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

    /** The offsets of what was committed (tables restored from their source topic stop there). */
    private static Map<TopicPartition, Long> committedOffsets(Map<TopicPartition, OffsetAndMetadata> committed) {
        Map<TopicPartition, Long> offsets = new HashMap<>();
        committed.forEach((tp, c) -> {
            if (c != null) {
                offsets.put(tp, c.offset());
            }
        });
        return offsets;
    }

    /** Restores the stream time of each task from its commit metadata. */
    private void restoreStreamTimes(Map<TopicPartition, OffsetAndMetadata> committed) {
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
            try {
                consumer.commitSync(offsets);
            } catch (CommitFailedException e) {
                // The group is rebalancing, or moved on without this member: the next poll says which tasks stay
                // (committed at the next commit) and which go (committed on revocation, or lost to their new owner,
                // who resumes from the last commit: at-least-once).
                log.info("Commit refused by the group, left to the rebalance: thread={}, reason={}", name,
                        e.getMessage());
            }
        }
    }

    private void closeAll() {
        for (Task task : tasks) {
            closeQuietly(task);
        }
        tasks.clear();
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

    private void closeQuietly(Task task) {
        try {
            task.close();
        } catch (RuntimeException e) {
            log.warn("A processor failed to close: thread={}, task={}", name, task.id(), e);
        }
    }
}
