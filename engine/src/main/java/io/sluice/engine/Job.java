package io.sluice.engine;

import io.sluice.broker.Broker;
import io.sluice.broker.Cluster;
import io.sluice.broker.TopicPartition;
import io.sluice.engine.internal.runtime.JobProgress;
import io.sluice.engine.internal.runtime.JobSetup;
import io.sluice.engine.internal.runtime.RuntimeSettings;
import io.sluice.engine.internal.runtime.StreamThread;
import io.sluice.engine.internal.state.LoggedStore;
import io.sluice.engine.internal.state.StoreViews;
import io.sluice.engine.internal.task.Metrics;
import io.sluice.engine.internal.task.Task;
import io.sluice.engine.internal.task.TaskSettings;
import io.sluice.engine.internal.topology.SubTopology;
import io.sluice.engine.internal.topology.TopologyModel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running stream job: a topology's tasks spread over {@code num.stream.threads} threads against a broker — and
 * over every instance of the job: the threads of all instances with one {@code application.id} form one consumer
 * group, which hands each a share of the tasks and moves them when an instance joins, leaves or fails; a task's
 * stores are restored from their changelogs wherever it goes.
 *
 * <p>{@link #start} checks the topology against the broker (topics exist, inputs co-partitioned, stored state
 * matches), creates the internal topics, and starts the threads, which restore their stores from the changelogs
 * before processing. Every {@code commit.interval.ms} a thread flushes outputs and changelogs, then commits its
 * input offsets: after a crash the job resumes from the last commit and may repeat what followed it
 * (at-least-once). {@link #close()} commits and stops. Thread-safe.
 *
 * <pre>
 *   CREATED ──► RESTORING ──► RUNNING ──► STOPPING ──► STOPPED
 *                  │             │
 *                  └─────────────┴──► FAILED (a processing error under uncaught.error.policy=shutdown)
 * </pre>
 */
public final class Job implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Job.class);
    private static final int MAX_REPLACEMENTS = 10;
    /** Jobs running in this JVM, by broker cluster id and application.id. */
    private static final Set<String> RUNNING = ConcurrentHashMap.newKeySet();

    /** Lifecycle of a job. */
    public enum State { CREATED, RESTORING, RUNNING, STOPPING, STOPPED, FAILED }

    private final TopologyModel model;
    private final Cluster broker;
    private final String runningKey;
    private final JobConfig config;
    private final Metrics metrics = new Metrics();
    /** Null unless {@code profile.sample.one.in} is set. */
    private final LatencyProfile latencyProfile;
    /** Whether the stream threads encode their own batches: set when they start. */
    private boolean encodeOnSend;
    private final List<StreamThread> threads = new CopyOnWriteArrayList<>();
    private final AtomicReference<State> state = new AtomicReference<>(State.CREATED);
    private final AtomicReference<Throwable> error = new AtomicReference<>();
    private final CountDownLatch stopped;
    private final AtomicInteger running;
    private final Map<String, Integer> partitions;
    /** The tables restored from their source topic instead of a changelog of their own. */
    private final Set<String> sourceTopicChangelogs;
    private final String deadLetterTopic;
    private final Set<Integer> restored = ConcurrentHashMap.newKeySet();
    /** The sub-topology reading each input topic (repartition topics included), for every thread. */
    private final Map<String, Integer> subTopologyByInput = new java.util.HashMap<>();
    /** Failed threads replaced so far; a record that always fails would otherwise restart threads forever. */
    private final AtomicInteger replacements = new AtomicInteger();

    private Job(Topology topology, Cluster broker, JobConfig config) {
        this.model = topology.model();
        this.broker = broker;
        this.config = config;
        this.latencyProfile = config.profileSampleOneIn() == 0 ? null : new LatencyProfile(
                model.subTopologies().stream().flatMap(sub -> sub.nodes().stream()).toList());
        // Instances of a job share its tasks through the group; in one process they need state directories of
        // their own, or a task moving between them would find the other's files.
        for (SubTopology sub : model.subTopologies()) {
            sub.sourceTopics().forEach(topic -> subTopologyByInput.put(topic, sub.id()));
        }
        this.runningKey = broker.clusterId() + "/" + model.applicationId() + "/" + config.stateDir(
                model.applicationId()).toAbsolutePath();
        if (!RUNNING.add(runningKey)) {
            throw new IllegalStateException("Job already running in this process with this state directory: "
                    + "application.id=" + model.applicationId() + ", state.dir=" + config.stateDir(
                    model.applicationId()) + " (give each instance its own state.dir)");
        }
        try {
            this.deadLetterTopic = "dead-letter".equals(config.deserializationErrorPolicy())
                    ? config.deadLetterTopic(model.applicationId()) : null;
            List<String> problems = new ArrayList<>();
            JobSetup.Prepared prepared = JobSetup.prepare(broker, model, deadLetterTopic, problems);
            if (prepared == null) {
                throw new TopologyException("Cannot start job " + model.applicationId(), problems);
            }
            this.partitions = prepared.partitions();
            this.sourceTopicChangelogs = prepared.sourceTopicChangelogs();
            this.stopped = new CountDownLatch(config.numStreamThreads());
            this.running = new AtomicInteger(config.numStreamThreads());
        } catch (RuntimeException e) {
            RUNNING.remove(runningKey);
            throw e;
        }
    }

    /** One thread fewer running; the last one frees the application.id for another instance. */
    private void threadDone() {
        // Freed before the count reaches zero, so that whoever waited for the stop can start the job again.
        if (running.decrementAndGet() == 0) {
            RUNNING.remove(runningKey);
        }
        stopped.countDown();
    }

    /** Starts {@code topology} against {@code broker} with default settings. */
    public static Job start(Topology topology, Cluster broker) {
        return start(topology, broker, JobConfig.defaults());
    }

    /**
     * Starts {@code topology} against {@code broker}.
     *
     * @throws TopologyException listing every problem found (missing topics, co-partitioning, stored state)
     */
    public static Job start(Topology topology, Cluster broker, JobConfig config) {
        Job job = new Job(Objects.requireNonNull(topology, "topology"), Objects.requireNonNull(broker, "broker"),
                Objects.requireNonNull(config, "config"));
        try {
            job.startThreads();
        } catch (RuntimeException e) {
            job.close(Duration.ofSeconds(30));
            throw e;
        }
        return job;
    }

    private void startThreads() {
        int tasks = 0;
        for (SubTopology sub : model.subTopologies()) {
            tasks += TopologyModel.taskCount(sub, partitions);
        }
        transition(State.RESTORING);
        // A journal with a core of its own encodes the records; without one, the threads that send do.
        // Embedded, the journal threads share the cores with the stream threads; remote, producers batch as Kafka's.
        int journalThreads = broker instanceof Broker b ? b.config().journalThreads() : 0;
        encodeOnSend = config.numStreamThreads() + journalThreads > Runtime.getRuntime().availableProcessors();
        for (int i = 0; i < config.numStreamThreads(); i++) {
            try {
                startThread(i);
            } catch (RuntimeException e) {
                // The threads that never started will not count themselves down.
                for (int j = i; j < config.numStreamThreads(); j++) {
                    threadDone();
                }
                throw e;
            }
        }
        log.info("Job started: application.id={}, threads={}, tasks={} (shared with its other instances)",
                model.applicationId(), config.numStreamThreads(), tasks);
    }

    private void startThread(int index) {
        TaskSettings taskSettings = new TaskSettings(model.applicationId(), config.deserializationErrorPolicy(),
                deadLetterTopic, metrics, System::currentTimeMillis, config.cacheMaxRecords(),
                config.stateDir(model.applicationId()), latencyProfile, config.profileSampleOneIn(),
                sourceTopicChangelogs);
        RuntimeSettings settings = new RuntimeSettings(model.applicationId(), config.commitIntervalMs(),
                config.pollMs(), config.maxPollRecords(), config.bufferedRecordsPerPartition(), metrics, encodeOnSend);
        String name = model.applicationId() + "-stream-" + index;
        StreamThread thread = new StreamThread(name, broker, settings, subTopologyByInput,
                (id, collector) -> new Task(id, model, model.subTopologies().get(id.subtopology()), collector,
                        taskSettings),
                new StreamThread.Listener() {
                    @Override
                    public void onRestored(StreamThread t) {
                        restored.add(index);
                        if (restored.size() == config.numStreamThreads() && state() == State.RESTORING) {
                            transition(State.RUNNING);
                        }
                    }

                    @Override
                    public void onStopped(StreamThread t, Throwable failure) {
                        threadStopped(index, t, failure);
                    }
                });
        threads.add(thread);
        Thread runner = new Thread(thread, name);
        runner.setDaemon(false);
        runner.start();
    }

    private void threadStopped(int index, StreamThread thread, Throwable failure) {
        threads.remove(thread);
        if (failure != null && config.replaceThreadOnError()) {
            synchronized (this) {
                // Under the lock close() takes for STOPPING: a replacement is never started after close began.
                if (state() == State.RUNNING || state() == State.RESTORING) {
                    if (replacements.incrementAndGet() <= MAX_REPLACEMENTS) {
                        log.warn("Replacing failed stream thread: thread={}, error={}", thread.name(),
                                failure.toString());
                        metrics.counter("replaced-threads", "job", model.applicationId()).increment();
                        try {
                            startThread(index);
                            return;
                        } catch (RuntimeException e) {
                            failure.addSuppressed(e);
                        }
                    } else {
                        log.error("Stream threads failed {} times; stopping the job", MAX_REPLACEMENTS);
                    }
                }
            }
        }
        if (failure != null && error.compareAndSet(null, failure)) {
            transition(State.FAILED);
            threads.forEach(StreamThread::shutdown);
        }
        threadDone();
    }

    private synchronized void transition(State to) {
        State from = state.get();
        boolean legal = switch (to) {
            case RESTORING -> from == State.CREATED;
            case RUNNING -> from == State.RESTORING;
            case STOPPING -> from == State.CREATED || from == State.RESTORING || from == State.RUNNING;
            case STOPPED -> from == State.STOPPING;
            case FAILED -> from != State.STOPPED;
            case CREATED -> false;
        };
        if (legal) {
            state.set(to);
            log.info("Job {}: {} -> {}", model.applicationId(), from, to);
        }
    }

    public String applicationId() {
        return model.applicationId();
    }

    public State state() {
        return state.get();
    }

    /** The error that stopped the job, or null. */
    public Throwable error() {
        return error.get();
    }

    /**
     * Waits until every thread has restored the stores of the tasks the group first gave it and processes; false on
     * timeout or if the job stopped. (Tasks that move here later restore while the others run.)
     */
    public boolean awaitRunning(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (state() == State.RESTORING || state() == State.CREATED) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(5);
        }
        return state() == State.RUNNING;
    }

    /** Waits until every thread has stopped (after {@link #close()} or a failure); false on timeout. */
    public boolean awaitStopped(Duration timeout) throws InterruptedException {
        return stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * A read-only view of a store across this job's tasks: {@link ReadOnlyKeyValueStore},
     * {@link ReadOnlyWindowStore} or {@link ReadOnlySessionStore}, by the store's kind. Safe from any thread;
     * reads are weakly consistent with the processing going on.
     */
    @SuppressWarnings("unchecked")
    public <S> S store(String name) {
        StoreSpec spec = model.stores().get(name);
        if (spec == null) {
            throw new IllegalArgumentException("Unknown store: store=" + name + ", stores=" + model.stores().keySet());
        }
        return (S) StoreViews.view(spec, () -> {
            List<LoggedStore> instances = new ArrayList<>();
            for (StreamThread t : threads) {
                for (Task task : t.tasks()) {
                    LoggedStore s = task.store(name);
                    if (s != null) {
                        instances.add(s);
                    }
                }
            }
            return instances;
        });
    }

    /**
     * How far behind the job is: per input partition (including repartition topics), the records between its last
     * committed offset and the end of the partition. Zero everywhere once everything produced so far is processed
     * and committed.
     */
    public Map<TopicPartition, Long> lag() {
        return progress().lag();
    }

    /**
     * Waits until the job has processed and committed everything produced to its inputs so far, following records
     * through its repartition topics; false on timeout or if the job stopped.
     */
    public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
        return progress().awaitCommitted(timeout, this::active);
    }

    /**
     * Waits until the job has processed everything produced to its inputs so far — through its repartition topics
     * too — whether or not it has committed it yet; false on timeout or if the job stopped. What benchmarks time.
     */
    public boolean awaitProcessed(Duration timeout) throws InterruptedException {
        return progress().awaitProcessed(timeout, this::active, () -> {
            Map<TopicPartition, Long> processed = new LinkedHashMap<>();
            for (StreamThread t : threads) {
                for (Task task : t.tasks()) {
                    processed.putAll(task.processedOffsets());
                }
            }
            return processed;
        });
    }

    private boolean active() {
        return state() == State.RUNNING || state() == State.RESTORING;
    }

    private JobProgress progress() {
        return new JobProgress(broker, model, partitions);
    }

    /**
     * The job's latency histograms per operator and end to end, when {@code profile.sample.one.in} is set;
     * otherwise empty.
     */
    public java.util.Optional<LatencyProfile> latencyProfile() {
        return java.util.Optional.ofNullable(latencyProfile);
    }

    /**
     * Everything a metrics endpoint shows of the job: its counters, its state, lag per input partition, entries
     * per store, and — when profiling — latency quantiles per operator and end to end.
     */
    public List<io.sluice.broker.Metric> metricList() {
        Map<String, Long> stores = new LinkedHashMap<>();
        for (StreamThread t : threads) {
            for (Task task : t.tasks()) {
                for (String name : model.stores().keySet()) {
                    LoggedStore s = task.store(name);
                    if (s != null) {
                        stores.merge(name, s.size(), Long::sum);
                    }
                }
            }
        }
        Map<TopicPartition, Long> lag = active() || state() == State.STOPPED ? lag() : Map.of();
        return io.sluice.engine.internal.runtime.JobMetrics.collect(model.applicationId(), state().name(),
                metrics(), lag, stores, latencyProfile);
    }

    /** Counters: records processed per task, late and skipped records per operator, restore progress per store. */
    public Map<String, Long> metrics() {
        return metrics.snapshot();
    }

    /** Commits and stops every thread, waiting up to 30 seconds. Idempotent. */
    @Override
    public void close() {
        close(Duration.ofSeconds(30));
    }

    public void close(Duration timeout) {
        synchronized (this) {
            transition(State.STOPPING);
        }
        threads.forEach(StreamThread::shutdown);
        try {
            if (!stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("Job {} did not stop within {}", model.applicationId(), timeout);
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        if (state() == State.STOPPING) {
            transition(State.STOPPED);
        }
    }
}
