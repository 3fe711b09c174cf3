package io.sluice.broker.internal.ingest;

import com.lmax.disruptor.BlockingWaitStrategy;
import com.lmax.disruptor.BusySpinWaitStrategy;
import com.lmax.disruptor.ExceptionHandler;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.SleepingWaitStrategy;
import com.lmax.disruptor.WaitStrategy;
import com.lmax.disruptor.YieldingWaitStrategy;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.ProducerType;
import io.sluice.broker.BufferExhaustedException;
import io.sluice.broker.Callback;
import io.sluice.broker.ClosedException;
import io.sluice.broker.InvalidConfigException;
import io.sluice.broker.internal.WholeBatchCallback;
import io.sluice.broker.internal.log.PartitionLog;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One ingest ring and the journal thread that drains it. Every partition belongs to exactly one shard, so each log
 * has exactly one writer; producers of any thread publish into the ring of the partition's shard.
 *
 * <pre>
 *   producer threads ─► [ ring: multi-producer ] ─► sluice-journal-N (JournalHandler) ─► partition logs
 * </pre>
 *
 * <p>Shutdown: {@link #close()} publishes a shutdown event after which the journal writes nothing more. A
 * publisher that raced with it and landed after that event fails its own record with {@link ClosedException}, so
 * every record is either written and acknowledged or failed — never left hanging.
 */
public final class JournalShard implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(JournalShard.class);

    private final int id;
    private final Disruptor<IngestEvent> disruptor;
    private final RingBuffer<IngestEvent> ring;
    private final JournalHandler handler;
    private final FlushStage flusher;
    private final LongSupplier handlerClock;
    /** Owned by the journal thread once started; other threads queue their changes in {@link #writerChanges}. */
    private final List<PartitionWriter> writers = new ArrayList<>();
    private final java.util.concurrent.ConcurrentLinkedQueue<Runnable> writerChanges =
            new java.util.concurrent.ConcurrentLinkedQueue<>();
    /** The wait strategy, if it lets publishers defer waking the journal; else null. */
    private final ParkingWaitStrategy parking;
    private volatile Thread journalThread;
    private volatile boolean started;
    private volatile boolean closed;
    private volatile long shutdownSequence = -1;

    /**
     * @param ringSize     slots in the ring, a power of two
     * @param waitStrategy how the journal waits for records: parking, phased, blocking, sleeping, yielding or
     *                     busy-spin
     * @param clock        milliseconds since the epoch, for log-append time and flush timing
     */
    public JournalShard(int id, int ringSize, String waitStrategy, LongSupplier clock) {
        this.id = id;
        this.flusher = new FlushStage(id);
        this.handler = new JournalHandler(clock, flusher);
        this.handlerClock = clock;
        WaitStrategy strategy = waitStrategy(waitStrategy);
        this.parking = strategy instanceof ParkingWaitStrategy p ? p : null;
        this.disruptor = new Disruptor<>(IngestEvent::new, ringSize, runnable -> {
            Thread thread = new BrokerThread(runnable, "sluice-journal-" + id);
            journalThread = thread;
            return thread;
        }, ProducerType.MULTI, strategy);
        disruptor.handleEventsWith(handler);
        disruptor.setDefaultExceptionHandler(new LoggingExceptionHandler());
        this.ring = disruptor.getRingBuffer();
    }

    /** The wait strategies a shard can use, by config name. */
    public static WaitStrategy waitStrategy(String name) {
        return switch (name) {
            case "parking" -> new ParkingWaitStrategy(0, 0);
            case "phased" -> new ParkingWaitStrategy(10_000, 100_000);
            case "blocking" -> new BlockingWaitStrategy();
            case "sleeping" -> new SleepingWaitStrategy();
            case "yielding" -> new YieldingWaitStrategy();
            case "busy-spin" -> new BusySpinWaitStrategy();
            default -> throw new InvalidConfigException("Invalid broker config: key=journal.wait.strategy, value="
                    + name + ", reason=must be one of [parking, phased, blocking, sleeping, yielding, busy-spin]");
        };
    }

    public int id() {
        return id;
    }

    public void start() {
        disruptor.start();
        started = true;
    }

    /**
     * Adds a partition to this shard. Records can be published to the returned writer at once; the journal's list
     * of partitions (for timed flushes and retention) takes it in before its next task. Never waits.
     */
    public PartitionWriter addPartition(PartitionLog partitionLog) {
        PartitionWriter writer = new PartitionWriter(partitionLog, this);
        writerChanges.add(() -> writers.add(writer));
        return writer;
    }

    /** Removes a partition: its records not yet written fail from now on. Never waits. */
    public void removePartition(PartitionWriter writer) {
        writer.markRemoved();
        writerChanges.add(() -> writers.remove(writer));
    }

    /** Journal thread: takes in the partitions added and removed since the last task. */
    private void applyWriterChanges() {
        Runnable change;
        while ((change = writerChanges.poll()) != null) {
            change.run();
        }
    }

    /**
     * Publishes one record for the writer's partition. Blocks while the ring is full (back-pressure). The callback,
     * if any, runs on the journal thread once the record is appended (or has failed).
     *
     * @return false if the shard is closed; the record was not published
     */
    public boolean tryPublish(PartitionWriter writer, byte[] key, byte[] value, long timestamp, Header[] headers,
                              Callback callback) {
        return tryPublish(writer, key, value, timestamp, headers, callback, true);
    }

    /**
     * As {@link #tryPublish(PartitionWriter, byte[], byte[], long, Header[], Callback)}; with {@code wake} false a
     * journal parked for want of records is not woken: the caller owes a {@link #wake()}, which it pays once for a
     * burst of records. A producer sending a burst to a parked journal otherwise wakes it for each record, and on a
     * busy machine each wake-up takes the producer's core for a moment (a stream thread sending 2 M records was
     * switched out ~50,000 times). Waking is only deferred with the {@code parking} and {@code phased} strategies;
     * the ring filling up wakes the journal all the same.
     */
    public boolean tryPublish(PartitionWriter writer, byte[] key, byte[] value, long timestamp, Header[] headers,
                              Callback callback, boolean wake) {
        if (closed) {
            return false;
        }
        long sequence = claim(writer, 1, callback, wake);
        if (sequence < 0) {
            return true;
        }
        try {
            ring.get(sequence).setRecord(writer, key, value, timestamp, headers, callback);
        } finally {
            if (wake || parking == null) {
                ring.publish(sequence);
            } else {
                boolean[] quiet = ParkingWaitStrategy.quietFlag();
                quiet[0] = true;
                try {
                    ring.publish(sequence);
                } finally {
                    quiet[0] = false;
                }
            }
        }
        failIfAfterShutdown(sequence, 1, callback);
        return true;
    }

    /** Wakes the journal if it waits for records: what a quiet {@link #tryPublish} owes. */
    public void wake() {
        if (parking != null) {
            parking.wake();
        }
    }

    /**
     * Publishes a batch the producer encoded for the writer's partition; the journal appends it as it is, with
     * offsets assigned. {@code timestamps} holds each record's, for the callback told of each record. Blocks while
     * the ring is full (back-pressure); on a broker thread, fails instead.
     *
     * @return false if the shard is closed; the batch was not published
     */
    public boolean tryPublishBuilt(PartitionWriter writer, ByteBuffer batch, long[] timestamps, int maxTimestampIndex,
                                   Callback callback) {
        if (closed) {
            return false;
        }
        IngestEvent.Built built = new IngestEvent.Built(batch, timestamps.length, timestamps[maxTimestampIndex],
                maxTimestampIndex, timestamps, callback);
        long sequence = claim(writer, built.count(), callback, true);
        if (sequence >= 0) {
            publishBuilt(sequence, writer, built);
        }
        return true;
    }

    /** What became of an {@link #offerBuilt offer}. */
    public enum Offer { PUBLISHED, FULL, CLOSED }

    /**
     * Offers a validated batch of {@code count} records whose largest timestamp, {@code maxTimestamp}, is that of
     * record {@code maxTimestampIndex}; the callback is told once, of the batch's first offset. Never waits: with the
     * ring full it publishes nothing and says so, for a caller that must not stop — a network thread, which serves
     * other clients meanwhile — to try again.
     */
    public Offer offerBuilt(PartitionWriter writer, ByteBuffer batch, int count, long maxTimestamp,
                            int maxTimestampIndex, WholeBatchCallback callback) {
        if (closed) {
            return Offer.CLOSED;
        }
        long sequence;
        try {
            sequence = ring.tryNext();
        } catch (com.lmax.disruptor.InsufficientCapacityException full) {
            return Offer.FULL;
        }
        publishBuilt(sequence, writer, new IngestEvent.Built(batch, count, maxTimestamp, maxTimestampIndex, null,
                callback));
        return Offer.PUBLISHED;
    }

    private void publishBuilt(long sequence, PartitionWriter writer, IngestEvent.Built built) {
        try {
            ring.get(sequence).setBuilt(writer, built);
        } finally {
            ring.publish(sequence);
        }
        failIfAfterShutdown(sequence, built.count(), built.callback());
    }

    /**
     * Claims a ring slot for records of the writer's partition, waiting for room (having woken the journal, which a
     * quiet publisher may not have done) — except on a broker thread (a send callback), which must not wait for the
     * journal: there the records fail at once and this returns -1.
     */
    private long claim(PartitionWriter writer, int records, Callback callback, boolean wake) {
        if (!BrokerThread.current()) {
            if (!wake) {
                try {
                    return ring.tryNext();
                } catch (com.lmax.disruptor.InsufficientCapacityException full) {
                    wake(); // the records in the ring may not have woken the journal: it must, to make room
                }
            }
            return ring.next();
        }
        try {
            return ring.tryNext();
        } catch (com.lmax.disruptor.InsufficientCapacityException full) {
            failEach(records, callback, new BufferExhaustedException("Ingest ring full: a send from a broker thread "
                    + "(a send callback) cannot wait for room: shard=" + id + ", partition="
                    + writer.log().topicPartition()));
            return -1;
        }
    }

    /** Fails the records of a slot published after the shutdown event: the journal stopped before it. */
    private void failIfAfterShutdown(long sequence, int records, Callback callback) {
        if (closed && sequence > awaitShutdownSequence()) {
            failEach(records, callback, new ClosedException("broker"));
        }
    }

    private static void failEach(int records, Callback callback, Exception error) {
        if (callback != null) {
            int calls = callback instanceof WholeBatchCallback ? 1 : records;
            for (int i = 0; i < calls; i++) {
                callback.onCompletion(null, error);
            }
        }
    }

    /** Runs {@code task} on the journal thread, after every record published before it has been written. */
    public <T> CompletableFuture<T> submit(Callable<T> task) {
        CompletableFuture<T> result = new CompletableFuture<>();
        if (closed) {
            result.completeExceptionally(new ClosedException("broker"));
            return result;
        }
        Callable<T> withChanges = () -> {
            applyWriterChanges();
            return task.call();
        };
        if (Thread.currentThread() == journalThread) {
            // Already on the journal, between records: run now rather than wait for ourselves.
            try {
                result.complete(withChanges.call());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
            return result;
        }
        if (BrokerThread.current()) {
            long sequence;
            try {
                sequence = ring.tryNext();
            } catch (com.lmax.disruptor.InsufficientCapacityException full) {
                result.completeExceptionally(new BufferExhaustedException("Ingest ring full: a broker thread "
                        + "cannot wait for room: shard=" + id));
                return result;
            }
            publishTask(sequence, IngestEvent.TASK, withChanges, result);
            return result;
        }
        publishTask(ring.next(), IngestEvent.TASK, withChanges, result);
        return result;
    }

    private <T> void publishTask(long sequence, int kind, Callable<T> task, CompletableFuture<T> result) {
        try {
            ring.get(sequence).setTask(kind, task, result);
        } finally {
            ring.publish(sequence);
        }
        if (kind == IngestEvent.TASK && closed && sequence > awaitShutdownSequence()) {
            result.completeExceptionally(new ClosedException("broker"));
        }
    }

    /** Runs {@code task} on the journal thread and waits for its result. */
    public <T> T call(Callable<T> task) {
        if (BrokerThread.current() && Thread.currentThread() != journalThread) {
            throw new IllegalStateException("A broker thread cannot wait for the journal of shard " + id + ": thread="
                    + Thread.currentThread().getName());
        }
        try {
            return submit(task).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClosedException("interrupted while waiting for the journal");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(cause);
        }
    }

    /** Whether the calling thread drives the ingest path, where waiting for it would deadlock. */
    public static boolean onBrokerThread() {
        return BrokerThread.current();
    }

    /** Visits every partition of the shard on the journal thread. */
    public CompletableFuture<Void> forEachPartition(Consumer<PartitionWriter> action) {
        return submit(() -> {
            for (PartitionWriter writer : List.copyOf(writers)) {
                action.accept(writer);
            }
            return null;
        });
    }

    /** fsyncs, on the journal thread, every log whose {@code flush.ms} or {@code flush.messages} is due. */
    public void flushDueLogs() {
        if (closed) {
            return;
        }
        submit(() -> {
            long now = handlerClock.getAsLong();
            for (PartitionWriter writer : writers) {
                writer.maybeFlush(now);
            }
            return null;
        });
    }

    private long awaitShutdownSequence() {
        long s;
        while ((s = shutdownSequence) < 0) {
            Thread.onSpinWait();
        }
        return s;
    }

    /** Writes and acknowledges everything published so far, then stops the journal thread. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (!started) {
            shutdownSequence = Long.MAX_VALUE;
            flusher.close();
            return;
        }
        CompletableFuture<Object> done = new CompletableFuture<>();
        long sequence = ring.next();
        shutdownSequence = sequence;
        try {
            ring.get(sequence).setTask(IngestEvent.SHUTDOWN, () -> null, done);
        } finally {
            ring.publish(sequence);
        }
        try {
            done.get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.error("Journal did not drain on shutdown: shard={}", id, e);
        }
        disruptor.halt();
        flusher.close();
    }

    /** Keeps the journal thread alive whatever a handler throws; the handler itself fails the records. */
    private final class LoggingExceptionHandler implements ExceptionHandler<IngestEvent> {
        @Override
        public void handleEventException(Throwable ex, long sequence, IngestEvent event) {
            log.error("Journal error: shard={}, sequence={}", id, sequence, ex);
        }

        @Override
        public void handleOnStartException(Throwable ex) {
            log.error("Journal failed to start: shard={}", id, ex);
        }

        @Override
        public void handleOnShutdownException(Throwable ex) {
            log.error("Journal failed to stop: shard={}", id, ex);
        }
    }
}
