package io.sluice.engine.internal.task;

import io.sluice.broker.ConsumerRecord;
import io.sluice.broker.TopicPartition;
import io.sluice.engine.Cancellable;
import io.sluice.engine.LatencyProfile;
import io.sluice.engine.ProcessingException;
import io.sluice.engine.Processor;
import io.sluice.engine.PunctuationType;
import io.sluice.engine.Punctuator;
import io.sluice.engine.Record;
import io.sluice.engine.StoreSpec;
import io.sluice.engine.TaskId;
import io.sluice.engine.internal.state.LoggedStore;
import io.sluice.engine.internal.topology.NodeSpec;
import io.sluice.engine.internal.topology.SubTopology;
import io.sluice.engine.internal.topology.TopologyModel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;

/**
 * One partition of one sub-topology: its processor instances, stores and input queues. Records are processed in
 * timestamp order across the task's input partitions (the head with the smallest timestamp goes first), which
 * keeps joins deterministic. The same class runs under the job runtime and the test driver. Not thread-safe: one
 * stream thread owns a task.
 */
public final class Task implements AutoCloseable {
    private final TaskId id;
    private final TaskSettings settings;
    private final RecordCollector collector;
    private final Map<String, Node> nodes = new LinkedHashMap<>();
    private final Map<String, LoggedStore> stores = new LinkedHashMap<>();
    private final Map<TopicPartition, InputQueue> queues = new LinkedHashMap<>();
    private final List<InputQueue> queueList = new ArrayList<>();
    private final List<Punctuation> streamPunctuations = new ArrayList<>();
    private final List<Punctuation> wallPunctuations = new ArrayList<>();
    private final LongAdder processed;
    private long processedSinceReport;
    private long streamTime = Long.MIN_VALUE;
    private boolean initialized;
    private String currentTopic;
    private int currentPartition = -1;
    private long currentOffset = -1;
    private int buffered;
    /** Counts calls of {@code process}: what an input's read position said is valid for one call. */
    private long round;
    /** Whether the record being processed is one that is profiled; see {@link #startTimed}. */
    private boolean profiling;
    private int untilProfiled;
    /** Time spent in the nodes the current node forwarded to, while profiling. */
    private long childNanos;
    /** The outer nodes' {@code childNanos} while a nested node is timed. */
    private long[] outerChildNanos = new long[16];
    private int timedDepth;

    @SuppressWarnings("unchecked")
    public Task(TaskId id, TopologyModel model, SubTopology sub, RecordCollector collector, TaskSettings settings) {
        this.id = id;
        this.settings = settings;
        this.collector = collector;
        this.processed = settings.metrics().counter("records-processed", "task", id.toString());
        for (String storeName : sub.stores()) {
            StoreSpec spec = model.stores().get(storeName);
            LoggedStore store = LoggedStore.create(spec, settings.applicationId(), id.partition(),
                    settings.stateDir().resolve(id.toString()));
            store.streamTime(this::streamTime);
            if (settings.sourceTopicChangelogs().contains(storeName)) {
                store.useSourceTopicAsChangelog();
            }
            stores.put(storeName, store);
        }
        for (String name : sub.nodes()) {
            NodeSpec spec = model.node(name);
            Node node;
            if (spec instanceof NodeSpec.Source s) {
                SourceNode source = new SourceNode(s);
                TopicPartition tp = new TopicPartition(s.topic(), id.partition());
                InputQueue queue = new InputQueue(tp, source);
                queues.put(tp, queue);
                queueList.add(queue);
                node = source;
            } else if (spec instanceof NodeSpec.Sink s) {
                node = new SinkNode(s, this);
            } else {
                NodeSpec.Operator op = (NodeSpec.Operator) spec;
                node = new ProcessorNode(name, (Processor<Object, Object>) op.supplier().get(), op.stores(), this);
            }
            nodes.put(name, node);
        }
        for (String name : sub.nodes()) {
            for (String child : model.children(name)) {
                nodes.get(name).children.add(nodes.get(child));
            }
        }
    }

    public TaskId id() {
        return id;
    }

    /** The input partitions of this task. */
    public Collection<TopicPartition> inputs() {
        return queues.keySet();
    }

    public Collection<LoggedStore> stores() {
        return stores.values();
    }

    /**
     * Resumes stream time where the last commit left it, so that a replay after a crash does not accept records
     * that were already late (and, say, emit a window's final result twice).
     */
    public void restoreStreamTime(long committedStreamTime) {
        if (committedStreamTime > streamTime) {
            streamTime = committedStreamTime;
        }
    }

    /** Initializes the processors; call after the stores are restored. */
    public void initialize() {
        for (Node node : nodes.values()) {
            node.init();
        }
        initialized = true;
    }

    /** Queues records of one input partition. */
    public void add(TopicPartition partition, List<ConsumerRecord> records) {
        InputQueue queue = queues.get(partition);
        if (queue == null) {
            throw new IllegalArgumentException("Not an input of task " + id + ": " + partition);
        }
        queue.records.add(records);
        queue.count += records.size();
        buffered += records.size();
    }

    public boolean hasBuffered() {
        return buffered > 0;
    }

    public int buffered() {
        return buffered;
    }

    /** Processes up to {@code max} buffered records, every input being read to its end; returns how many. */
    public int process(int max) {
        return process(max, partition -> true);
    }

    /**
     * Processes up to {@code max} buffered records, the earliest first across the task's inputs; returns how many.
     * As Kafka Streams does (with {@code max.task.idle.ms} 0), it stops while an input has nothing buffered but is
     * not read to its end ({@code caughtUp} says which are): that input may hold earlier records — a table's, say,
     * which a join must see before the stream records that follow them.
     */
    public int process(int max, Predicate<TopicPartition> caughtUp) {
        round++;
        int done = 0;
        while (done < max && buffered > 0) {
            if (queueList.size() > 1 && waitsForInput(caughtUp)) {
                break;
            }
            processOne(nextQueue());
            done++;
        }
        processedSinceReport += done;
        return done;
    }

    /** Whether an input without buffered records may still have some to read; asked once per input and round. */
    private boolean waitsForInput(Predicate<TopicPartition> caughtUp) {
        for (int i = 0; i < queueList.size(); i++) {
            InputQueue q = queueList.get(i);
            if (q.count == 0) {
                if (q.caughtUpRound != round) {
                    q.caughtUp = caughtUp.test(q.partition);
                    q.caughtUpRound = round;
                }
                if (!q.caughtUp) {
                    return true;
                }
            }
        }
        return false;
    }

    /** How many records of {@code partition} wait to be processed. */
    public int buffered(TopicPartition partition) {
        InputQueue q = queues.get(partition);
        return q == null ? 0 : q.count;
    }

    /**
     * Flushes the processors that hold input back (see {@code Processor.holdsInput}): call when the task's input
     * has run dry, so that what they hold moves on without waiting for the commit.
     */
    public void flushHeldInput() {
        for (Node node : nodes.values()) {
            if (node.holdsInput()) {
                node.flush();
            }
        }
    }

    /** Whether a processor holds input back right now: see {@code Processor.holdsInput}. */
    public boolean holdsInput() {
        if (initialized) {
            for (Node node : nodes.values()) {
                if (node.holdsInput()) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Makes the positions processed so far visible to {@link #processedOffsets}, unless a processor holds input
     * back. Call once what processing sent has been handed to the producer.
     */
    public void publishPositions() {
        if (holdsInput()) {
            return;
        }
        for (int i = 0; i < queueList.size(); i++) {
            InputQueue q = queueList.get(i);
            if (q.published != q.nextOffset) {
                q.published = q.nextOffset;
            }
        }
    }

    /**
     * The next offset to process per input partition, as of the last {@link #publishPositions}: safe to read from
     * other threads, for progress reports (what is committed may lag behind).
     */
    public Map<TopicPartition, Long> processedOffsets() {
        Map<TopicPartition, Long> offsets = new LinkedHashMap<>();
        for (InputQueue q : queueList) {
            offsets.put(q.partition, q.published);
        }
        return offsets;
    }

    private InputQueue nextQueue() {
        if (queueList.size() == 1) {
            return queueList.get(0);
        }
        InputQueue best = null;
        long bestTime = Long.MAX_VALUE;
        for (InputQueue q : queueList) {
            ConsumerRecord head = q.records.peek();
            if (head != null && (best == null || head.timestamp() < bestTime)) {
                best = q;
                bestTime = head.timestamp();
            }
        }
        return best;
    }

    @SuppressWarnings("unchecked")
    private void processOne(InputQueue queue) {
        ConsumerRecord raw = queue.records.poll();
        queue.count--;
        buffered--;
        SourceNode source = queue.source;
        currentTopic = raw.topic();
        currentPartition = raw.partition();
        currentOffset = raw.offset();
        LatencyProfile profile = settings.profile();
        profiling = profile != null && --untilProfiled <= 0;
        try {
            Object key;
            Object value;
            long t0 = profiling ? System.nanoTime() : 0;
            try {
                key = source.keySerde.deserialize(raw.key());
                value = source.valueSerde.deserialize(raw.value());
            } catch (RuntimeException e) {
                onDeserializationError(raw, source, e);
                return;
            }
            if (profiling) {
                untilProfiled = settings.profileSampleOneIn();
                profile.record(source.name, System.nanoTime() - t0);
                childNanos = 0;
                timedDepth = 0;
            }
            Record<Object, Object> record = new Record<>(key, value, raw.timestamp(), raw.headers());
            if (source.extractor != null) {
                long ts = extractTimestamp(source, record);
                if (ts < 0) {
                    settings.metrics().counter("dropped-records-invalid-timestamp", "operator", source.name)
                            .increment();
                    return;
                }
                record = record.withTimestamp(ts);
            }
            if (record.timestamp() > streamTime) {
                advanceStreamTime(record.timestamp());
            }
            source.process(record);
        } finally {
            profiling = false;
            queue.nextOffset = raw.offset() + 1;
            currentTopic = null;
            currentPartition = -1;
            currentOffset = -1;
        }
        punctuateStreamTime();
    }

    @SuppressWarnings("unchecked")
    private long extractTimestamp(SourceNode source, Record<Object, Object> record) {
        try {
            return source.extractor.extract(record);
        } catch (RuntimeException e) {
            throw new ProcessingException("Timestamp extractor failed", source.name, id, currentTopic,
                    currentPartition, currentOffset, e);
        }
    }

    private void advanceStreamTime(long time) {
        boolean first = streamTime == Long.MIN_VALUE;
        streamTime = time;
        if (first) {
            for (Punctuation p : streamPunctuations) {
                if (p.dueMs == Long.MIN_VALUE) {
                    p.dueMs = time + p.intervalMs;
                }
            }
        }
    }

    private void onDeserializationError(ConsumerRecord raw, SourceNode source, RuntimeException e) {
        DeserializationErrors.handle(settings, collector, id, raw, source, e);
    }

    private void punctuateStreamTime() {
        for (int i = 0; i < streamPunctuations.size(); i++) {
            streamPunctuations.get(i).maybeRun(streamTime);
        }
        streamPunctuations.removeIf(p -> p.cancelled);
    }

    /** Runs wall-clock punctuations that are due. */
    public void punctuateWallClock(long now) {
        if (!initialized) {
            return;
        }
        for (int i = 0; i < wallPunctuations.size(); i++) {
            wallPunctuations.get(i).maybeRun(now);
        }
        wallPunctuations.removeIf(p -> p.cancelled);
    }

    Cancellable schedule(ProcessorNode node, long intervalMs, PunctuationType type, Punctuator punctuator) {
        Punctuation p;
        if (type == PunctuationType.STREAM_TIME) {
            p = new Punctuation(node, intervalMs, punctuator,
                    streamTime == Long.MIN_VALUE ? Long.MIN_VALUE : streamTime + intervalMs);
            streamPunctuations.add(p);
        } else {
            p = new Punctuation(node, intervalMs, punctuator, wallClockTime() + intervalMs);
            wallPunctuations.add(p);
        }
        return p;
    }

    /**
     * Sends the changes of every store to its changelog and returns the input offsets to commit once the collector
     * has flushed: the next offset to read per input partition that made progress.
     */
    public Map<TopicPartition, Long> prepareCommit() {
        if (initialized) {
            for (Node node : nodes.values()) {
                node.flush();
            }
        }
        long timestamp = streamTime == Long.MIN_VALUE ? wallClockTime() : streamTime;
        for (LoggedStore store : stores.values()) {
            store.flush(collector, timestamp);
        }
        processed.add(processedSinceReport);
        processedSinceReport = 0;
        Map<TopicPartition, Long> offsets = new LinkedHashMap<>();
        for (InputQueue q : queueList) {
            if (q.nextOffset > q.reportedOffset) {
                offsets.put(q.partition, q.nextOffset);
                q.reportedOffset = q.nextOffset;
            }
        }
        return offsets;
    }

    /** Closes the processors (not the stores' content: that lives in the changelogs). */
    @Override
    public void close() {
        RuntimeException first = null;
        if (initialized) {
            for (Node node : nodes.values()) {
                try {
                    node.close();
                } catch (RuntimeException e) {
                    if (first == null) {
                        first = e;
                    } else {
                        first.addSuppressed(e);
                    }
                }
            }
        }
        initialized = false;
        for (LoggedStore store : stores.values()) {
            try {
                store.close();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /** Drops buffered input, e.g. after a failure, so that it is read again from the committed offsets. */
    public void clearBuffers() {
        queues.values().forEach(q -> {
            q.records.clear();
            q.count = 0;
        });
        buffered = 0;
    }

    String applicationId() {
        return settings.applicationId();
    }

    RecordCollector collector() {
        return collector;
    }

    public LoggedStore store(String name) {
        return stores.get(name);
    }

    long cacheMaxRecords() {
        return settings.cacheMaxRecords();
    }

    Metrics metrics() {
        return settings.metrics();
    }

    public long streamTime() {
        return streamTime;
    }

    long wallClockTime() {
        return settings.wallClock().getAsLong();
    }

    String currentTopic() {
        return currentTopic;
    }

    /** Whether the record in hand is profiled: its nodes then time themselves with {@link #startTimed}. */
    boolean profiling() {
        return profiling;
    }

    /**
     * Starts timing a node: returns the start time, to give to {@link #endTimed}. Nodes time themselves so that
     * each records its own time: what it took less what the nodes it forwarded to took (each records its own).
     */
    long startTimed() {
        if (timedDepth == outerChildNanos.length) {
            outerChildNanos = java.util.Arrays.copyOf(outerChildNanos, timedDepth * 2);
        }
        outerChildNanos[timedDepth++] = childNanos;
        childNanos = 0;
        return System.nanoTime();
    }

    /** Ends timing node {@code name}, started at {@code start}: records its own time. */
    void endTimed(String name, long start) {
        long elapsed = System.nanoTime() - start;
        settings.profile().record(name, elapsed - childNanos);
        childNanos = outerChildNanos[--timedDepth] + elapsed;
    }

    /** Records the end-to-end latency of a record written now with {@code timestamp} (ms since the epoch). */
    void recordEndToEnd(long timestamp) {
        if (timestamp > 0) {
            settings.profile().record(LatencyProfile.END_TO_END,
                    (settings.wallClock().getAsLong() - timestamp) * 1_000_000L);
        }
    }

    int currentPartition() {
        return currentPartition;
    }

    long currentOffset() {
        return currentOffset;
    }

    @Override
    public String toString() {
        return "Task[" + id + "]";
    }

    /** The buffered records of one input partition, and how far the task got in it. */
    /**
     * A partition's buffered records, kept as the polled lists themselves (a record is not copied into the queue:
     * polls are fresh lists that nothing else changes).
     */
    private static final class Segments {
        private final ArrayDeque<List<ConsumerRecord>> lists = new ArrayDeque<>();
        private int headIndex;

        void add(List<ConsumerRecord> records) {
            if (!records.isEmpty()) {
                lists.add(records);
            }
        }

        ConsumerRecord peek() {
            List<ConsumerRecord> head = lists.peek();
            return head == null ? null : head.get(headIndex);
        }

        ConsumerRecord poll() {
            List<ConsumerRecord> head = lists.peek();
            if (head == null) {
                return null;
            }
            ConsumerRecord r = head.get(headIndex++);
            if (headIndex == head.size()) {
                lists.poll();
                headIndex = 0;
            }
            return r;
        }

        void clear() {
            lists.clear();
            headIndex = 0;
        }
    }

    private static final class InputQueue {
        final TopicPartition partition;
        final SourceNode source;
        final Segments records = new Segments();
        long nextOffset = -1;
        long reportedOffset = -1;
        volatile long published = -1;
        /** Records buffered. */
        int count;
        /** Whether the input was read to its end, as asked in round {@code caughtUpRound} of {@code process}. */
        boolean caughtUp;
        long caughtUpRound = -1;

        InputQueue(TopicPartition partition, SourceNode source) {
            this.partition = partition;
            this.source = source;
        }
    }
}
