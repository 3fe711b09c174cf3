package io.sluice.broker.internal.net;

import io.sluice.broker.OffsetOutOfRangeException;
import io.sluice.broker.internal.BrokerCore;
import io.sluice.broker.internal.log.PartitionLog;
import io.sluice.broker.internal.topic.Partition;
import io.sluice.broker.internal.topic.Topic;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.requests.FetchRequest;

/**
 * Fetch: records from each partition's position, up to the high watermark, within the partition's and the
 * response's byte limits. With less than {@code min.bytes} to return and {@code max.wait.ms} set, the request waits
 * — the partitions wake it when records arrive, a timer when the wait is over — rather than answer at once (long
 * poll). No
 * fetch sessions: the response's session id is 0, so clients send full requests. Records go out as slices of the
 * segment files, sent from the page cache without a copy (a segment is deleted {@code file.delete.delay.ms} after
 * it leaves the log, time enough for a response in flight).
 */
final class FetchHandler {
    private final BrokerCore core;
    private final ScheduledExecutorService delayed;

    FetchHandler(BrokerCore core, ScheduledExecutorService delayed) {
        this.core = core;
        this.delayed = delayed;
    }

    /**
     * Answers at once, or parks the fetch until its records or its {@code max.wait.ms} come; {@code onDrop} is told
     * how to drop a parked fetch whose connection goes first.
     */
    void handle(FetchRequest request, short version, Consumer<ApiMessage> reply, Consumer<Runnable> onDrop) {
        FetchRequestData data = request.data();
        Read first = read(data, version);
        if (first.bytes >= minBytes(data) || first.errors || data.maxWaitMs() <= 0 || asksForNothing(data)) {
            reply.accept(first.sent());
            return;
        }
        Waiting waiting = new Waiting(data, version, reply);
        onDrop.accept(waiting::drop);
        waiting.start();
    }

    /** A fetch waiting for records or for its {@code max.wait.ms}; completes once, whichever comes first. */
    private final class Waiting implements Partition.DataListener {
        private final FetchRequestData data;
        private final short version;
        private final Consumer<ApiMessage> reply;
        private final AtomicBoolean done = new AtomicBoolean();
        private final AtomicBoolean checkPending = new AtomicBoolean();
        private final List<Partition> watched = new ArrayList<>();
        private volatile java.util.concurrent.ScheduledFuture<?> timer;

        Waiting(FetchRequestData data, short version, Consumer<ApiMessage> reply) {
            this.data = data;
            this.version = version;
            this.reply = reply;
        }

        void start() {
            for (FetchRequestData.FetchTopic t : data.topics()) {
                Topic topic = TopicLookup.find(core, t.topic(), t.topicId());
                for (FetchRequestData.FetchPartition p : t.partitions()) {
                    if (topic != null && p.partition() >= 0 && p.partition() < topic.partitionCount()) {
                        Partition partition = topic.partition(p.partition());
                        partition.addListener(this);
                        watched.add(partition);
                    }
                }
            }
            timer = delayed.schedule(this::complete, data.maxWaitMs(), TimeUnit.MILLISECONDS);
            if (done.get()) {
                timer.cancel(false); // answered by a partition's wake-up before the timer was set
            }
            // Records may have arrived between the first read and the listeners: look once more.
            check();
        }

        @Override
        public void onData(Partition partition) {
            // On the journal thread, which must not wait: the read happens on the delayed-operation thread, one
            // check at a time however many appends wake it.
            if (!done.get() && checkPending.compareAndSet(false, true)) {
                delayed.execute(this::check);
            }
        }

        /** Answers as soon as {@code min.bytes} are there; otherwise waits on. */
        private void check() {
            checkPending.set(false);
            if (!done.get() && read(data, version).bytes >= minBytes(data)) {
                complete();
            }
        }

        /** Its connection is gone: stops waiting, answers nothing. */
        void drop() {
            if (stop()) {
                reply.accept(null);
            }
        }

        /** Stops watching and the timer; true the first time. */
        private boolean stop() {
            if (!done.compareAndSet(false, true)) {
                return false;
            }
            for (Partition p : watched) {
                p.removeListener(this);
            }
            java.util.concurrent.ScheduledFuture<?> t = timer;
            if (t != null) {
                t.cancel(false);
            }
            return true;
        }

        private void complete() {
            if (!stop()) {
                return;
            }
            ApiMessage response;
            try {
                response = read(data, version).sent();
            } catch (RuntimeException e) {
                response = new FetchRequest(data, version).getErrorResponse(e).data();
            }
            reply.accept(response);
        }
    }

    /** A read of every partition asked for; {@link #sent()} when it is the one answered, to count its records. */
    private record Read(FetchResponseData response, long bytes, boolean errors, List<Runnable> counts) {
        FetchResponseData sent() {
            counts.forEach(Runnable::run);
            return response;
        }
    }

    /**
     * A fetch of no partitions, answered at once as Kafka does: the Java consumer sends one when it closes (to end
     * a fetch session, even where the broker gave it none) and waits for the answer.
     */
    private static boolean asksForNothing(FetchRequestData data) {
        for (FetchRequestData.FetchTopic t : data.topics()) {
            if (!t.partitions().isEmpty()) {
                return false;
            }
        }
        return true;
    }

    /** At least one byte: an empty answer before {@code max.wait.ms} is never what a client asks for. */
    private static int minBytes(FetchRequestData data) {
        return Math.max(1, data.minBytes());
    }

    private Read read(FetchRequestData data, short version) {
        FetchResponseData response = new FetchResponseData().setSessionId(0).setErrorCode(Errors.NONE.code());
        long bytes = 0;
        boolean errors = false;
        List<Runnable> counts = new ArrayList<>(1);
        int budget = version >= 3 ? Math.max(data.maxBytes(), 1) : Integer.MAX_VALUE;
        for (FetchRequestData.FetchTopic t : data.topics()) {
            Topic topic = TopicLookup.find(core, t.topic(), t.topicId());
            FetchResponseData.FetchableTopicResponse out = new FetchResponseData.FetchableTopicResponse()
                    .setTopic(version < 13 ? t.topic() : "").setTopicId(t.topicId());
            for (FetchRequestData.FetchPartition p : t.partitions()) {
                FetchResponseData.PartitionData pd = new FetchResponseData.PartitionData()
                        .setPartitionIndex(p.partition()).setRecords(MemoryRecords.EMPTY);
                out.partitions().add(pd);
                if (topic == null || p.partition() < 0 || p.partition() >= topic.partitionCount()) {
                    pd.setErrorCode((version >= 13 ? Errors.UNKNOWN_TOPIC_ID : Errors.UNKNOWN_TOPIC_OR_PARTITION)
                            .code());
                    errors = true;
                    continue;
                }
                PartitionLog log = topic.partition(p.partition()).log();
                int limit = Math.min(p.partitionMaxBytes(), budget);
                try {
                    // The first partition returns at least a batch even past the limits, as Kafka's (KIP-74).
                    PartitionLog.ReadResult result = log.read(p.fetchOffset(), Math.max(limit, bytes == 0 ? 1 : 0));
                    pd.setHighWatermark(result.highWatermark()).setLastStableOffset(result.highWatermark())
                            .setLogStartOffset(version >= 5 ? result.logStartOffset() : -1);
                    if (!result.isEmpty() && limit > 0) {
                        // A slice of the segment file: the response sends it from the file, without a copy.
                        FileRecords records = result.records();
                        pd.setRecords(records);
                        bytes += records.sizeInBytes();
                        budget -= records.sizeInBytes();
                        long fetchOffset = p.fetchOffset();
                        long endOffset = result.endOffset();
                        counts.add(() -> log.countRecordsRead(endOffset >= 0 ? (int) (endOffset - fetchOffset)
                                : recordsFrom(records, fetchOffset)));
                    }
                } catch (OffsetOutOfRangeException e) {
                    pd.setErrorCode(Errors.OFFSET_OUT_OF_RANGE.code()).setHighWatermark(log.highWatermark())
                            .setLogStartOffset(version >= 5 ? log.logStartOffset() : -1);
                    errors = true;
                } catch (io.sluice.broker.CorruptLogException | io.sluice.broker.StorageException e) {
                    // This partition's files, not the request: its error, and the other partitions as asked.
                    pd.setErrorCode((e instanceof io.sluice.broker.CorruptLogException ? Errors.CORRUPT_MESSAGE
                            : Errors.KAFKA_STORAGE_ERROR).code()).setHighWatermark(log.highWatermark());
                    errors = true;
                }
            }
            response.responses().add(out);
        }
        return new Read(response, bytes, errors, counts);
    }

    /**
     * How many records at or after {@code offset} the batches hold (a batch may begin before it): a read of each
     * batch's header, paid only when the read stopped short of the high watermark.
     */
    private static int recordsFrom(FileRecords records, long offset) {
        long count = 0;
        for (var batch : records.batches()) {
            count += batch.lastOffset() - Math.max(batch.baseOffset(), offset) + 1;
        }
        return (int) Math.max(0, count);
    }
}
