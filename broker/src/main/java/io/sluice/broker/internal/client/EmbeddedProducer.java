package io.sluice.broker.internal.client;

import io.sluice.broker.Callback;
import io.sluice.broker.ClosedException;
import io.sluice.broker.Header;
import io.sluice.broker.InvalidRecordException;
import io.sluice.broker.InvalidTopicException;
import io.sluice.broker.Producer;
import io.sluice.broker.ProducerConfig;
import io.sluice.broker.ProducerRecord;
import io.sluice.broker.RecordMetadata;
import io.sluice.broker.RecordTooLargeException;
import io.sluice.broker.SluiceException;
import io.sluice.broker.TopicPartition;
import io.sluice.broker.internal.BrokerCore;
import io.sluice.broker.internal.FailureCallback;
import io.sluice.broker.internal.ingest.BatchEncoder;
import io.sluice.broker.internal.ingest.BatchValidator;
import io.sluice.broker.internal.ingest.JournalShard;
import io.sluice.broker.internal.ingest.PartitionWriter;
import io.sluice.broker.internal.log.LogConfig;
import io.sluice.broker.internal.topic.Partition;
import io.sluice.broker.internal.topic.Topic;
import io.sluice.broker.internal.topic.TopicRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.DefaultRecord;
import org.apache.kafka.common.record.DefaultRecordBatch;
import org.apache.kafka.common.record.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded {@link Producer}: validates a record on the caller's thread, chooses its partition and publishes it
 * into the ring of the partition's journal shard. Nothing is copied: the record's arrays go to the journal as they
 * are, so callers must not modify them after {@code send}.
 */
public final class EmbeddedProducer implements Producer {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedProducer.class);

    private final BrokerCore core;
    private final TopicRegistry registry;
    private final ProducerConfig config;
    private final boolean waitForAppend;
    private final boolean encodeOnSend;
    /**
     * {@code wake.on.hand.off}: sends leave the journal asleep, and {@link #owed} lists the journals to wake (such a
     * producer has one sending thread, so the list needs no lock).
     */
    private final boolean wakeOnHandOff;
    private final List<JournalShard> owed = new java.util.ArrayList<>(4);
    private final Partitioner partitioner;
    private volatile boolean closed;
    /**
     * The topics sent to last, tried before the registry: a stream thread's producer alternates between a few
     * topics (outputs, changelogs, repartition topics). Racy on purpose: a slot holds some registered topic or null.
     */
    private final Topic[] recentTopics = new Topic[4];
    private int nextRecent;

    public EmbeddedProducer(BrokerCore core, ProducerConfig config) {
        this.core = core;
        this.registry = core.registry();
        this.config = config;
        this.waitForAppend = config.waitForAppend();
        this.encodeOnSend = config.encodeOnSend();
        this.wakeOnHandOff = config.wakeOnHandOff();
        this.partitioner = new Partitioner(config.batchSizeBytes());
    }

    @Override
    public CompletableFuture<RecordMetadata> send(ProducerRecord record) {
        SendFuture future = new SendFuture();
        publish(record, future);
        return future;
    }

    @Override
    public void send(ProducerRecord record, Callback callback) {
        publish(record, java.util.Objects.requireNonNull(callback, "callback"));
    }

    private void publish(ProducerRecord record, Callback callback) {
        checkOpen();
        Topic topic = topicOrFail(record, callback);
        if (topic == null) {
            return;
        }
        org.apache.kafka.common.header.Header[] headers = headers(record.headers());
        Partition partition = accept(topic, record, headers, callback);
        if (partition != null) {
            publishOne(record, partition, timestampOf(record), headers, callback);
        }
    }

    /** Hands an accepted record to its partition's journal, which encodes it. */
    private void publishOne(ProducerRecord record, Partition partition, long timestamp,
                            org.apache.kafka.common.header.Header[] headers, Callback callback) {
        JournalShard shard = partition.shard();
        if (!shard.tryPublish(partition.writer(), record.key(), record.value(), timestamp, headers,
                waitForAppend ? callback : null, !wakeOnHandOff)) {
            throw new ClosedException("broker");
        }
        if (wakeOnHandOff && !owed.contains(shard)) {
            owed.add(shard);
        }
        if (!waitForAppend && FailureCallback.wantsSuccess(callback)) {
            callback.onCompletion(new RecordMetadata(partition.topicPartition(), RecordMetadata.UNKNOWN_OFFSET,
                    timestamp), null);
        }
    }

    /**
     * With {@code encode.on.send}, encodes each partition's records into batches on the caller's thread and the
     * journal copies them into the log; otherwise publishes them one by one for the journal to encode.
     */
    @Override
    public void sendAll(List<ProducerRecord> records, Callback callback) {
        java.util.Objects.requireNonNull(callback, "callback");
        checkOpen();
        if (!encodeOnSend) {
            forEachAccepted(records, callback, (record, partition, timestamp, headers) ->
                    publishOne(record, partition, timestamp, headers, callback));
            return;
        }
        AcceptedRecords accepted = new AcceptedRecords(records.size());
        forEachAccepted(records, callback, accepted::add);
        BatchEncoder encoder = ENCODER.get();
        for (Partition partition : accepted.partitions) {
            int next = accepted.firstAndLast.get(partition)[0];
            while (next >= 0) {
                next = publishBatch(partition, accepted, next, encoder, callback);
            }
        }
    }

    /** The records that passed validation, chained per partition in their order. */
    private static final class AcceptedRecords {
        final ProducerRecord[] records;
        final long[] timestamps;
        final org.apache.kafka.common.header.Header[][] headers;
        /** The index of the partition's next record, or -1. */
        final int[] nextOfPartition;
        final java.util.IdentityHashMap<Partition, int[]> firstAndLast = new java.util.IdentityHashMap<>();
        final List<Partition> partitions = new java.util.ArrayList<>();
        int count;

        AcceptedRecords(int capacity) {
            records = new ProducerRecord[capacity];
            timestamps = new long[capacity];
            headers = new org.apache.kafka.common.header.Header[capacity][];
            nextOfPartition = new int[capacity];
        }

        void add(ProducerRecord record, Partition partition, long timestamp,
                 org.apache.kafka.common.header.Header[] recordHeaders) {
            int i = count++;
            records[i] = record;
            timestamps[i] = timestamp;
            headers[i] = recordHeaders;
            nextOfPartition[i] = -1;
            int[] ends = firstAndLast.get(partition);
            if (ends == null) {
                firstAndLast.put(partition, new int[] {i, i});
                partitions.add(partition);
            } else {
                nextOfPartition[ends[1]] = i;
                ends[1] = i;
            }
        }
    }

    /** Validates each record (a bad one is told through the callback) and passes on those accepted, in order. */
    private void forEachAccepted(List<ProducerRecord> records, Callback callback, AcceptedRecordHandler then) {
        Topic topic = null;
        String topicName = null;
        for (ProducerRecord record : records) {
            // Records at hand mostly go to one topic, named by one String: look the topic up once per run.
            if (topic == null || record.topic() != topicName || topic.isDeleted()) {
                topic = topicOrFail(record, callback);
                topicName = topic == null ? null : record.topic();
                if (topic == null) {
                    continue;
                }
            }
            org.apache.kafka.common.header.Header[] headers = headers(record.headers());
            Partition partition = accept(topic, record, headers, callback);
            if (partition != null) {
                then.accept(record, partition, timestampOf(record), headers);
            }
        }
    }

    /**
     * Encodes the partition's records from {@code first} on into one batch (up to the topic's size limit) and
     * publishes it; returns the index of the partition's next record, or -1.
     */
    private int publishBatch(Partition partition, AcceptedRecords accepted, int first, BatchEncoder encoder,
                             Callback callback) {
        LogConfig logConfig = partition.writer().log().config();
        // batch.size bounds a batch as in Kafka's producer (a larger record goes alone): the ring counts slots,
        // so this is what keeps the records waiting in it bounded.
        int limit = Math.min(Math.min(PartitionWriter.MAX_BATCH_BYTES, config.batchSizeBytes()),
                Math.max(logConfig.maxMessageBytes(), 1));
        long[] timestamps = accepted.timestamps;
        int[] nextOfPartition = accepted.nextOfPartition;
        int i = first;
        int inBatch = 0;
        long maxTimestamp = -1;
        int maxTimestampIndex = 0;
        encoder.begin(timestamps[i]);
        while (i >= 0) {
            ProducerRecord record = accepted.records[i];
            if (inBatch > 0 && encoder.sizeInBytes() + BatchEncoder.estimateSize(record.key(), record.value(),
                    accepted.headers[i]) > limit) {
                break;
            }
            encoder.append(timestamps[i], record.key(), record.value(), accepted.headers[i]);
            if (timestamps[i] > maxTimestamp) {
                maxTimestamp = timestamps[i];
                maxTimestampIndex = inBatch;
            }
            inBatch++;
            i = nextOfPartition[i];
        }
        long[] batchTimestamps = new long[inBatch];
        for (int r = 0, j = first; r < inBatch; r++, j = nextOfPartition[j]) {
            batchTimestamps[r] = timestamps[j];
        }
        if (!partition.shard().tryPublishBuilt(partition.writer(), encoder.finishDetached(maxTimestamp),
                batchTimestamps, maxTimestampIndex, waitForAppend ? callback : null)) {
            throw new ClosedException("broker");
        }
        if (!waitForAppend && FailureCallback.wantsSuccess(callback)) {
            for (long t : batchTimestamps) {
                callback.onCompletion(new RecordMetadata(partition.topicPartition(), RecordMetadata.UNKNOWN_OFFSET,
                        t), null);
            }
        }
        return i;
    }

    /** Each sending thread encodes its batches in its own reused array. */
    private static final ThreadLocal<BatchEncoder> ENCODER = ThreadLocal.withInitial(() -> new BatchEncoder(64 * 1024));

    private void checkOpen() {
        if (closed) {
            throw new ClosedException("producer");
        }
        core.ensureOpen();
    }

    /** Takes a record that passed validation: where it goes, and its timestamp and headers as stored. */
    @FunctionalInterface
    private interface AcceptedRecordHandler {
        void accept(ProducerRecord record, Partition partition, long timestamp,
                    org.apache.kafka.common.header.Header[] headers);
    }

    /** The record's topic; if there is none (or it cannot be created), tells the callback and returns null. */
    private Topic topicOrFail(ProducerRecord record, Callback callback) {
        try {
            return topicFor(record.topic());
        } catch (ClosedException e) {
            throw e;
        } catch (SluiceException e) {
            callback.onCompletion(null, e);
            return null;
        }
    }

    /**
     * Validates a record (with its headers as stored) and chooses its partition; on a bad record tells the callback
     * and returns null.
     */
    private Partition accept(Topic topic, ProducerRecord record, org.apache.kafka.common.header.Header[] headers,
                             Callback callback) {
        try {
            if (topic.internal()) {
                throw new InvalidTopicException("Cannot produce to an internal topic: topic=" + record.topic());
            }
            LogConfig logConfig = topic.config();
            byte[] key = record.key();
            byte[] value = record.value();
            long timestamp = record.timestamp();
            String problem = BatchValidator.recordProblem(key != null, timestamp, logConfig,
                    timestamp == ProducerRecord.NO_TIMESTAMP ? 0 : System.currentTimeMillis());
            if (problem != null) {
                throw new InvalidRecordException("Invalid record: " + problem + ": topic=" + record.topic());
            }
            int size = DefaultRecordBatch.RECORD_BATCH_OVERHEAD + BatchEncoder.estimateSize(key, value, headers);
            if (size > logConfig.maxMessageBytes()) {
                // The estimate is an upper bound; only a record near the limit pays for the exact size.
                size = DefaultRecordBatch.RECORD_BATCH_OVERHEAD + DefaultRecord.sizeInBytes(0, 0,
                        key == null ? -1 : key.length, value == null ? -1 : value.length, headers);
                if (size > logConfig.maxMessageBytes()) {
                    throw new RecordTooLargeException(record.topic(), size, logConfig.maxMessageBytes());
                }
            }
            int p = record.partition() == ProducerRecord.ANY_PARTITION
                    ? partitioner.partition(record.topic(), key, size, topic.partitionCount())
                    : record.partition();
            return topic.partition(p);
        } catch (ClosedException e) {
            throw e;
        } catch (SluiceException e) {
            callback.onCompletion(null, e);
            return null;
        }
    }

    private static long timestampOf(ProducerRecord record) {
        return record.timestamp() == ProducerRecord.NO_TIMESTAMP ? System.currentTimeMillis() : record.timestamp();
    }

    private Topic topicFor(String name) {
        for (Topic recent : recentTopics) {
            if (recent != null && recent.name().equals(name) && !recent.isDeleted()) {
                return recent;
            }
        }
        Topic topic = registry.topic(name);
        if (topic != null) {
            recentTopics[nextRecent++ & (recentTopics.length - 1)] = topic;
            return topic;
        }
        if (!core.config().autoCreateTopics() || registry.isUnavailable(name)) {
            return registry.topicOrThrow(name); // unknown, or why a recorded topic cannot be used
        }
        synchronized (registry) {
            topic = registry.topic(name);
            if (topic == null) {
                topic = registry.createTopic(name, core.config().numPartitions(), java.util.Map.of(), false);
                log.info("Auto-created topic: topic={}, partitions={}", name, core.config().numPartitions());
            }
            return topic;
        }
    }

    private static org.apache.kafka.common.header.Header[] headers(List<Header> headers) {
        if (headers.isEmpty()) {
            return Record.EMPTY_HEADERS;
        }
        org.apache.kafka.common.header.Header[] out = new org.apache.kafka.common.header.Header[headers.size()];
        for (int i = 0; i < out.length; i++) {
            Header h = headers.get(i);
            out[i] = new RecordHeader(h.key(), h.value());
        }
        return out;
    }

    @Override
    public void handOff() {
        for (JournalShard shard : owed) {
            shard.wake();
        }
        owed.clear();
    }

    @Override
    public void flush() {
        if (closed) {
            throw new ClosedException("producer");
        }
        handOff();
        core.awaitJournals();
    }

    @Override
    public List<TopicPartition> partitionsFor(String topic) {
        core.ensureOpen();
        return registry.topicOrThrow(topic).topicPartitions();
    }

    @Override
    public void close() {
        close(Duration.ofMillis(Long.MAX_VALUE));
    }

    @Override
    public void close(Duration timeout) {
        if (closed) {
            return;
        }
        handOff();
        closed = true;
        if (!core.isClosed() && !core.awaitJournals(timeout)) {
            log.warn("Producer closed before every record was acknowledged: clientId={}, timeout={}",
                    config.clientId(), timeout);
        }
    }

    /** The future returned by {@code send}, and the journal's callback for it: one object per record. */
    private static final class SendFuture extends CompletableFuture<RecordMetadata> implements Callback {
        @Override
        public void onCompletion(RecordMetadata metadata, Exception error) {
            if (error != null) {
                completeExceptionally(error);
            } else {
                complete(metadata);
            }
        }
    }
}
