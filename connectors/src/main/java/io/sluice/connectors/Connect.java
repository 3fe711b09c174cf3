package io.sluice.connectors;

import io.sluice.broker.Admin;
import io.sluice.broker.Cluster;
import io.sluice.broker.InvalidConfigException;
import io.sluice.connectors.internal.ConnectorSettings;
import io.sluice.connectors.internal.OffsetStore;
import io.sluice.connectors.internal.SinkWorker;
import io.sluice.connectors.internal.SourceWorker;
import io.sluice.connectors.internal.TaskWorker;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs connectors against a cluster (the embedded broker, a sluice server, Kafka), standalone: each connector's
 * tasks on threads of their own, source offsets in the {@code connect-offsets} topic, sink offsets in the
 * connectors' consumer groups. Every config is checked before anything starts. {@link #close()} stores the
 * sources' offsets and commits the sinks' after a last flush. Thread-safe.
 */
public final class Connect implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Connect.class);

    private final Cluster cluster;
    private final OffsetStore offsets;
    private final List<TaskWorker> workers = new ArrayList<>();
    /** Each sink connector's name and topics. */
    private final Map<String, List<String>> sinkTopics = new LinkedHashMap<>();
    private final List<Thread> threads = new ArrayList<>();
    private boolean closed;

    private Connect(Cluster cluster, OffsetStore offsets) {
        this.cluster = cluster;
        this.offsets = offsets;
    }

    /**
     * Starts the connectors of {@code configs} (Kafka Connect's keys: {@code name}, {@code connector.class},
     * {@code tasks.max}, {@code topics} for a sink, and the connector's own).
     *
     * @throws InvalidConfigException naming the first bad key, before any connector starts
     */
    public static Connect start(Cluster cluster, List<Map<String, String>> configs) {
        List<ConnectorSettings> settings = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (Map<String, String> config : configs) {
            ConnectorSettings s = ConnectorSettings.parse(config);
            if (!names.add(s.name())) {
                throw new InvalidConfigException("Two connectors named " + s.name() + ": names must be unique");
            }
            settings.add(s);
        }
        checkTopics(cluster, settings);
        Connect connect = new Connect(cluster, OffsetStore.open(cluster));
        try {
            for (ConnectorSettings s : settings) {
                connect.startConnector(cluster, s);
            }
        } catch (RuntimeException e) {
            connect.close();
            throw e;
        }
        return connect;
    }

    /** A sink's topics must exist: a misspelt one would otherwise wait for records for ever. */
    private static void checkTopics(Cluster cluster, List<ConnectorSettings> settings) {
        try (Admin admin = cluster.admin()) {
            Set<String> existing = admin.listTopics();
            for (ConnectorSettings s : settings) {
                for (String topic : s.topics()) {
                    if (!existing.contains(topic)) {
                        throw new InvalidConfigException("Invalid connector config: key=topics, value=" + topic
                                + ", reason=no such topic (create it first), connector=" + s.name());
                    }
                }
            }
        }
    }

    private void startConnector(Cluster cluster, ConnectorSettings s) {
        if (s.isSink()) {
            sinkTopics.put(s.name(), s.topics());
        }
        List<Map<String, String>> taskConfigs = s.isSink()
                ? ((SinkConnector) s.connector()).taskConfigs(s.values(), s.tasksMax())
                : ((SourceConnector) s.connector()).taskConfigs(s.values(), s.tasksMax());
        for (int i = 0; i < taskConfigs.size() && i < s.tasksMax(); i++) {
            Map<String, String> taskConfig = new LinkedHashMap<>(taskConfigs.get(i));
            taskConfig.put("name", s.name());
            String taskName = s.name() + "-" + i;
            TaskWorker worker = s.isSink()
                    ? new SinkWorker(taskName, ((SinkConnector) s.connector()).task().get(), taskConfig, s.topics(),
                            s.flushIntervalMs(), s.deadLetterTopic(), cluster)
                    : new SourceWorker(taskName, ((SourceConnector) s.connector()).task().get(), taskConfig,
                            s.flushIntervalMs(), offsets, cluster);
            workers.add(worker);
            Thread thread = new Thread(worker, "connect-" + taskName);
            threads.add(thread);
            thread.start();
        }
        log.info("Connector started: name={}, class={}, tasks={}", s.name(), s.connector().getClass().getName(),
                Math.min(taskConfigs.size(), s.tasksMax()));
    }

    /**
     * Whether there are sources and every one has ended (its input closed, as standard input at its end) and stored
     * what it read. A tailed file never ends.
     */
    public synchronized boolean sourcesEnded() {
        boolean any = false;
        for (TaskWorker w : workers) {
            if (w instanceof SourceWorker source) {
                any = true;
                if (!source.ended()) {
                    return false;
                }
            }
        }
        return any;
    }

    /**
     * Whether every sink has committed everything its topics hold now: all of it written out. Vacuously true
     * without sinks.
     */
    public boolean sinksCaughtUp() {
        try (Admin admin = cluster.admin(); io.sluice.broker.Consumer consumer = cluster.consumer()) {
            for (Map.Entry<String, List<String>> sink : sinkTopics.entrySet()) {
                Map<io.sluice.broker.TopicPartition, io.sluice.broker.OffsetAndMetadata> committed =
                        admin.listGroupOffsets("connect-" + sink.getKey());
                for (String topic : sink.getValue()) {
                    List<io.sluice.broker.TopicPartition> partitions = consumer.partitionsFor(topic);
                    for (Map.Entry<io.sluice.broker.TopicPartition, Long> end
                            : consumer.endOffsets(partitions).entrySet()) {
                        var at = committed.get(end.getKey());
                        if (end.getValue() > (at == null ? 0 : at.offset())) {
                            return false;
                        }
                    }
                }
            }
        }
        return true;
    }

    /** Whether any connector is a source. */
    public synchronized boolean hasSources() {
        return workers.stream().anyMatch(w -> w instanceof SourceWorker);
    }

    /** Whether any connector is a sink (which runs until stopped). */
    public synchronized boolean hasSinks() {
        return workers.stream().anyMatch(w -> w instanceof SinkWorker);
    }

    /** Tasks that stopped on an error, by task name. */
    public synchronized Map<String, Throwable> failures() {
        Map<String, Throwable> failed = new LinkedHashMap<>();
        workers.forEach(w -> {
            if (w.failure() != null) {
                failed.put(w.name(), w.failure());
            }
        });
        return failed;
    }

    /** Stops every task: sources store their offsets, sinks flush and commit. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        workers.forEach(TaskWorker::stop);
        for (Thread t : threads) {
            try {
                t.join(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        offsets.close();
    }
}
