package io.sluice.broker.internal;

import io.sluice.broker.BrokerConfig;
import io.sluice.broker.ClosedException;
import io.sluice.broker.internal.group.GroupCoordinator;
import io.sluice.broker.internal.ingest.JournalShard;
import io.sluice.broker.internal.log.LogCompactor;
import io.sluice.broker.internal.topic.Partition;
import io.sluice.broker.internal.topic.Topic;
import io.sluice.broker.internal.topic.TopicRegistry;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running parts of an embedded broker and the threads that drive them:
 *
 * <pre>
 *   producer threads ──► JournalShard rings ──► sluice-journal-N ──► partition logs ──► consumer threads (woken)
 *   sluice-scheduler:  segment fsync after roll, delayed file deletion, retention, flush.ms checks, checkpoints,
 *                      group member expiry
 *   sluice-log-cleaner: compaction (segment swaps run on the owning journal thread)
 * </pre>
 *
 * Shutdown follows the data: stop the periodic work, drain the rings, close the logs (fsync), checkpoint, mark the
 * directory clean.
 */
public final class BrokerCore implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BrokerCore.class);
    private static final long MAX_MAP_KEYS = 4_000_000;

    private final BrokerConfig config;
    private final LongSupplier clock;
    private final ScheduledExecutorService scheduler;
    private final ScheduledExecutorService cleaner;
    private final TopicRegistry registry;
    private final GroupCoordinator groups;
    private final LogCompactor compactor = new LogCompactor(MAX_MAP_KEYS);
    private volatile boolean closed;

    private BrokerCore(BrokerConfig config, LongSupplier clock, ScheduledExecutorService scheduler,
                       ScheduledExecutorService cleaner, TopicRegistry registry, GroupCoordinator groups) {
        this.config = config;
        this.clock = clock;
        this.scheduler = scheduler;
        this.cleaner = cleaner;
        this.registry = registry;
        this.groups = groups;
    }

    public static BrokerCore start(BrokerConfig config) {
        LongSupplier clock = System::currentTimeMillis;
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(daemon("sluice-scheduler"));
        ScheduledExecutorService cleaner = Executors.newSingleThreadScheduledExecutor(daemon("sluice-log-cleaner"));
        TopicRegistry registry = null;
        try {
            long t0 = System.nanoTime();
            registry = TopicRegistry.open(config, scheduler, clock);
            registry.start();
            GroupCoordinator groups = GroupCoordinator.start(registry, config.offsetsTopicPartitions(), clock);
            BrokerCore core = new BrokerCore(config, clock, scheduler, cleaner, registry, groups);
            core.schedulePeriodicWork();
            log.info("Broker started: dataDir={}, journalThreads={}, startMs={}", config.dataDir(),
                    config.journalThreads(), (System.nanoTime() - t0) / 1_000_000);
            return core;
        } catch (RuntimeException e) {
            if (registry != null) {
                registry.close();
            }
            scheduler.shutdownNow();
            cleaner.shutdownNow();
            throw e;
        }
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }

    private void schedulePeriodicWork() {
        every(scheduler, config.retentionCheckIntervalMs(), "retention", this::applyRetention);
        every(scheduler, config.flushSchedulerIntervalMs(), "flush check", this::checkFlushes);
        every(scheduler, config.checkpointIntervalMs(), "checkpoint", registry::writeCheckpoints);
        every(scheduler, 1_000, "group expiry", groups::expireMembers);
        if (config.cleanerEnabled()) {
            every(cleaner, config.cleanerBackoffMs(), "compaction", this::compactDueLogs);
        }
    }

    private void every(ScheduledExecutorService executor, long periodMs, String what, Runnable work) {
        executor.scheduleWithFixedDelay(() -> {
            if (closed) {
                return;
            }
            try {
                work.run();
            } catch (RuntimeException e) {
                if (!closed) {
                    log.error("Periodic {} failed", what, e);
                }
            }
        }, periodMs, periodMs, TimeUnit.MILLISECONDS);
    }

    /** Deletes segments past retention, on each partition's journal thread. */
    public void applyRetention() {
        for (JournalShard shard : registry.shards()) {
            shard.forEachPartition(writer -> writer.log().deleteOldSegments());
        }
    }

    private void checkFlushes() {
        for (JournalShard shard : registry.shards()) {
            shard.flushDueLogs();
        }
    }

    /** Compacts every compacted log that is due, now; returns when done. */
    public void compactDueLogs() {
        long now = clock.getAsLong();
        compactor.retainOnly(registry.topics().stream().flatMap(t -> t.partitions().stream())
                .map(Partition::log).toList());
        for (Topic topic : registry.topics()) {
            if (!topic.config().compact()) {
                continue;
            }
            for (Partition partition : topic.partitions()) {
                if (closed) {
                    return;
                }
                if (compactor.isDue(partition.log(), now)) {
                    compactor.compact(partition.log(), now, new LogCompactor.WriterThread() {
                        @Override
                        public <T> T call(java.util.concurrent.Callable<T> task) {
                            return partition.shard().call(task);
                        }
                    });
                }
            }
        }
    }

    /** Waits until every record published to any ring before this call has been written and acknowledged. */
    public void awaitJournals() {
        awaitJournals(java.time.Duration.ofMillis(Long.MAX_VALUE));
    }

    /** As {@link #awaitJournals()}, for at most {@code timeout}; returns false if it ran out. */
    public boolean awaitJournals(java.time.Duration timeout) {
        if (JournalShard.onBrokerThread()) {
            throw new IllegalStateException("Cannot wait for sends from a send callback: thread="
                    + Thread.currentThread().getName());
        }
        List<CompletableFuture<Object>> barriers = registry.shards().stream()
                .map(shard -> shard.submit(() -> null)).toList();
        try {
            CompletableFuture.allOf(barriers.toArray(new CompletableFuture[0]))
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (java.util.concurrent.TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof ClosedException closedError) {
                throw closedError;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    public BrokerConfig config() {
        return config;
    }

    public TopicRegistry registry() {
        return registry;
    }

    public GroupCoordinator groups() {
        return groups;
    }

    public long nowMs() {
        return clock.getAsLong();
    }

    public boolean isClosed() {
        return closed;
    }

    public void ensureOpen() {
        if (closed) {
            throw new ClosedException("broker");
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        cleaner.shutdownNow();
        try {
            cleaner.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            registry.close();
        } finally {
            scheduler.shutdownNow();
            try {
                scheduler.awaitTermination(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        log.info("Broker closed: dataDir={}", config.dataDir());
    }
}
