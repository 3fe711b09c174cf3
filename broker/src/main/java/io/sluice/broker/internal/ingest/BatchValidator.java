package io.sluice.broker.internal.ingest;

import io.sluice.broker.TimestampType;
import io.sluice.broker.TopicPartition;
import io.sluice.broker.internal.log.LogConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.DefaultRecordBatch;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.utils.BufferSupplier;
import org.apache.kafka.common.utils.Crc32C;

/**
 * The one set of rules a record is held to before it is stored, whichever way it came in. A producer's encoded
 * RecordBatch v2 (a Kafka client's produce) goes through {@link #validate}; a record the embedded producer encodes
 * itself goes through {@link #recordProblem}, the same per-record rules, before it is encoded. Kafka's
 * {@code LogValidator} is the model; where it lets a malformed batch through to be stored, this refuses it, so that
 * every stored batch reads back with kafka-clients' own reader.
 *
 * <p>A batch is checked from the outside in: its framing (exactly one batch, the size it declares, magic 2,
 * base offset 0, CRC-32C), {@code max.message.bytes}, its attributes (codec, no LogAppendTime stamp, no control or
 * transactional batch), its count against its offsets, then every record: the sizes it declares against the bytes
 * left, its offset delta, the key a compacted topic needs, its timestamp against
 * {@code message.timestamp.before.max.ms} and {@code message.timestamp.after.max.ms}, and no bytes left after the
 * last. A compressed batch is decompressed and read as a stream, as it inflates, up to {@link #inflatedLimit} bytes.
 *
 * <p>Nothing a batch declares sizes an allocation: counts and lengths are checked against what arrived (or may
 * inflate) before they are used, and keys, values and headers are skipped, never copied. Thread-safe; each thread
 * decompresses into buffers of its own.
 *
 * <pre>
 *   RecordBatch v2 (the batch header, 61 bytes, then the records):
 *   baseOffset:int64 | batchLength:int32 | partitionLeaderEpoch:int32 | magic:int8 (2) | crc:uint32 (CRC-32C of
 *   what follows) | attributes:int16 | lastOffsetDelta:int32 | baseTimestamp:int64 | maxTimestamp:int64 |
 *   producerId:int64 | producerEpoch:int16 | baseSequence:int32 | recordCount:int32 | records
 *
 *   record = length:varint | attributes:int8 | timestampDelta:varlong | offsetDelta:varint
 *            | keyLength:varint | key | valueLength:varint | value | headerCount:varint
 *            | (headerKeyLength:varint | headerKey | headerValueLength:varint | headerValue)*
 * </pre>
 */
public final class BatchValidator {
    /** The fewest bytes a record takes: its length, attributes, timestamp and offset deltas, key and value lengths
     * and header count, one byte each. */
    static final int MIN_RECORD_BYTES = 7;
    /** A compressed batch may inflate to this much, or to {@link #INFLATION_RATIO} times its size if more. */
    static final int MIN_INFLATED_LIMIT = 64 << 20;
    static final int INFLATION_RATIO = 64;

    private static final int LENGTH_OFFSET = 8;
    private static final int MAGIC_OFFSET = 16;
    private static final int CRC_OFFSET = 17;
    private static final int ATTRIBUTES_OFFSET = 21;
    private static final int LAST_OFFSET_DELTA_OFFSET = 23;
    private static final int BASE_TIMESTAMP_OFFSET = 27;
    private static final int PRODUCER_ID_OFFSET = 43;
    private static final int BASE_SEQUENCE_OFFSET = 53;
    private static final int RECORDS_COUNT_OFFSET = 57;
    private static final int HEADER_BYTES = DefaultRecordBatch.RECORD_BATCH_OVERHEAD;
    private static final int COMPRESSION_MASK = 0x07;
    private static final int TIMESTAMP_TYPE_MASK = 0x08;
    private static final int TRANSACTIONAL_MASK = 0x10;
    private static final int CONTROL_MASK = 0x20;

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private BatchValidator() {
    }

    /** Why a batch or record was refused. */
    public enum Outcome {
        VALID,
        /** The bytes are not a readable batch: sizes, CRC, a stream that does not decompress. */
        CORRUPT,
        /** A readable batch that breaks a rule: counts, offsets, sizes of records, a key missing, flags. */
        INVALID_RECORD,
        /** Larger than the topic's {@code max.message.bytes}. */
        TOO_LARGE,
        /** A record's timestamp outside the topic's limits, or a batch stamped LogAppendTime by its producer. */
        INVALID_TIMESTAMP
    }

    /**
     * What validation found. A valid batch gives its record count, its largest timestamp and that record's offset
     * delta (the batch header's own {@code maxTimestamp} is not trusted); a refused one the outcome, a message
     * naming the check, and the index of the record at fault, or -1.
     */
    public record Result(Outcome outcome, String message, int recordIndex, int records, long maxTimestamp,
                         int offsetDeltaOfMaxTimestamp) {
        public boolean isValid() {
            return outcome == Outcome.VALID;
        }

        static Result refused(Outcome outcome, String message, int recordIndex) {
            return new Result(outcome, message, recordIndex, 0, RecordBatch.NO_TIMESTAMP, -1);
        }
    }

    /**
     * Validates the bytes a producer sent for one partition ({@code batch}'s position to limit; not changed) for
     * the topic's {@code config}, with {@code nowMs} the broker's clock.
     */
    public static Result validate(ByteBuffer batch, TopicPartition partition, LogConfig config, long nowMs) {
        ByteBuffer b = batch.slice();
        int size = b.remaining();
        if (size < HEADER_BYTES) {
            return size == 0
                    ? refused(Outcome.INVALID_RECORD, "no record batch", partition)
                    : refused(Outcome.CORRUPT, "the " + size + " bytes are fewer than a batch header ("
                            + HEADER_BYTES + ")", partition);
        }
        int declared = b.getInt(LENGTH_OFFSET) + LENGTH_OFFSET + 4;
        if (declared > size || declared < HEADER_BYTES) {
            return refused(Outcome.CORRUPT, "the batch declares " + declared + " bytes but " + size + " arrived",
                    partition);
        }
        if (declared < size) {
            return refused(Outcome.INVALID_RECORD, "a produce may hold exactly one record batch per partition, "
                    + "and " + (size - declared) + " bytes follow the first", partition);
        }
        byte magic = b.get(MAGIC_OFFSET);
        if (magic != RecordBatch.MAGIC_VALUE_V2) {
            return refused(Outcome.INVALID_RECORD, "magic " + magic + ": only record batches of magic 2 are "
                    + "accepted", partition);
        }
        if (b.getLong(0) != 0) {
            return refused(Outcome.INVALID_RECORD, "a producer's batch has base offset 0, not " + b.getLong(0),
                    partition);
        }
        if (size > config.maxMessageBytes()) {
            return refused(Outcome.TOO_LARGE, "the batch of " + size + " bytes is larger than max.message.bytes ("
                    + config.maxMessageBytes() + ")", partition);
        }
        if ((b.getInt(CRC_OFFSET) & 0xffffffffL) != Crc32C.compute(b, ATTRIBUTES_OFFSET, size - ATTRIBUTES_OFFSET)) {
            return refused(Outcome.CORRUPT, "CRC-32C mismatch", partition);
        }
        return validateHeaderAndRecords(b, partition, config, nowMs);
    }

    private static Result validateHeaderAndRecords(ByteBuffer b, TopicPartition partition, LogConfig config,
                                                   long nowMs) {
        int attributes = b.getShort(ATTRIBUTES_OFFSET);
        int codec = attributes & COMPRESSION_MASK;
        if (codec > CompressionType.ZSTD.id) {
            return refused(Outcome.INVALID_RECORD, "unknown compression codec " + codec, partition);
        }
        if ((attributes & CONTROL_MASK) != 0) {
            return refused(Outcome.INVALID_RECORD, "clients may not write control batches", partition);
        }
        if ((attributes & TRANSACTIONAL_MASK) != 0) {
            return refused(Outcome.INVALID_RECORD, "transactional batches are not supported yet", partition);
        }
        if ((attributes & TIMESTAMP_TYPE_MASK) != 0) {
            return refused(Outcome.INVALID_TIMESTAMP, "a producer's batch may not be stamped LogAppendTime",
                    partition);
        }
        long offsetsCount = b.getInt(LAST_OFFSET_DELTA_OFFSET) + 1L;
        int count = b.getInt(RECORDS_COUNT_OFFSET);
        if (offsetsCount <= 0) {
            return refused(Outcome.INVALID_RECORD, "invalid last offset delta " + (offsetsCount - 1), partition);
        }
        if (count <= 0) {
            return refused(Outcome.INVALID_RECORD, "invalid record count " + count, partition);
        }
        if (offsetsCount != count) {
            return refused(Outcome.INVALID_RECORD, "the record count " + count + " does not match the last offset "
                    + "delta " + (offsetsCount - 1), partition);
        }
        if (b.getLong(PRODUCER_ID_OFFSET) >= 0 && b.getInt(BASE_SEQUENCE_OFFSET) < 0) {
            return refused(Outcome.INVALID_RECORD, "invalid sequence " + b.getInt(BASE_SEQUENCE_OFFSET)
                    + " of producer " + b.getLong(PRODUCER_ID_OFFSET), partition);
        }
        ByteBuffer records = b.duplicate().position(HEADER_BYTES).slice();
        long limit = codec == 0 ? records.remaining() : inflatedLimit(b.remaining());
        if (count > limit / MIN_RECORD_BYTES) {
            return refused(Outcome.INVALID_RECORD, "the batch claims " + count + " records in "
                    + (codec == 0 ? limit + " bytes" : "at most " + limit + " bytes once inflated")
                    + "; a record takes at least " + MIN_RECORD_BYTES, partition);
        }
        RecordRules rules = new RecordRules(partition, config, nowMs, b.getLong(BASE_TIMESTAMP_OFFSET));
        if (codec == 0) {
            return readRecords(new RecordsReader(records), count, rules);
        }
        return readCompressed(records, CompressionType.forId(codec), count, limit, rules);
    }

    /** The most bytes the records of a compressed batch of {@code batchBytes} may inflate to. */
    static long inflatedLimit(int batchBytes) {
        return Math.min(Integer.MAX_VALUE, Math.max(MIN_INFLATED_LIMIT, (long) INFLATION_RATIO * batchBytes));
    }

    private static Result readCompressed(ByteBuffer records, CompressionType type, int count, long limit,
                                         RecordRules rules) {
        if (type == CompressionType.SNAPPY) {
            String problem = SnappyFrames.problem(records, limit);
            if (problem != null) {
                return refused(Outcome.CORRUPT, problem, rules.partition);
            }
        }
        Scratch scratch = SCRATCH.get();
        try (InputStream in = Compression.of(type).build().wrapForInput(records, RecordBatch.MAGIC_VALUE_V2,
                scratch.buffers)) {
            return readRecords(new RecordsReader(in, scratch.chunk, limit), count, rules);
        } catch (IOException | RuntimeException e) {
            return cannotDecompress(type, e, rules.partition);
        } catch (Error e) {
            // A codec's own error (Snappy's SnappyError) is about these bytes; the JVM's are not.
            if (e instanceof VirtualMachineError) {
                throw e;
            }
            return cannotDecompress(type, e, rules.partition);
        }
    }

    private static Result cannotDecompress(CompressionType type, Throwable cause, TopicPartition partition) {
        return refused(Outcome.CORRUPT, "the records do not decompress as " + type.name + ": " + cause,
                partition);
    }

    private static Result readRecords(RecordsReader in, int count, RecordRules rules) {
        try {
            for (int i = 0; i < count; i++) {
                if (in.atEnd()) {
                    return refused(Outcome.INVALID_RECORD, "the batch claims " + count + " records but holds " + i,
                            rules.partition, i);
                }
                String problem = readRecord(in, i, rules);
                if (problem != null) {
                    return refused(rules.outcome, "record " + i + ": " + problem, rules.partition, i);
                }
            }
            if (!in.atEnd()) {
                return refused(Outcome.INVALID_RECORD, "bytes follow the last of the " + count + " records the batch "
                        + "claims", rules.partition);
            }
        } catch (RecordsReader.MalformedException e) {
            return refused(Outcome.INVALID_RECORD, e.getMessage(), rules.partition);
        }
        return new Result(Outcome.VALID, null, -1, count, rules.maxTimestamp, rules.offsetDeltaOfMaxTimestamp);
    }

    /** Reads record {@code index}; its problem, or null. */
    private static String readRecord(RecordsReader in, int index, RecordRules rules) {
        int length = in.readVarint();
        if (length < MIN_RECORD_BYTES - 1 || length > in.remaining()) {
            return invalid(rules, "it claims " + length + " bytes where " + in.remaining() + " remain");
        }
        long end = in.consumed() + length;
        in.readByte(); // attributes: none are defined for records
        long timestampDelta = in.readVarlong();
        int offsetDelta = in.readVarint();
        if (offsetDelta != index) {
            return invalid(rules, "its offset delta is " + offsetDelta);
        }
        int keyLength = in.readVarint();
        if (keyLength < -1) {
            return invalid(rules, "its key length " + keyLength + " is below -1 (null)");
        }
        if (keyLength > end - in.consumed()) {
            return invalid(rules, "its key claims " + keyLength + " bytes");
        }
        in.skip(Math.max(keyLength, 0));
        int valueLength = in.readVarint();
        if (valueLength < -1) {
            return invalid(rules, "its value length " + valueLength + " is below -1 (null)");
        }
        if (valueLength > end - in.consumed()) {
            return invalid(rules, "its value claims " + valueLength + " bytes");
        }
        in.skip(Math.max(valueLength, 0));
        int headers = in.readVarint();
        if (headers < 0 || headers > (end - in.consumed()) / 2) {
            return invalid(rules, "it claims " + headers + " headers");
        }
        for (int h = 0; h < headers; h++) {
            int headerKeyLength = in.readVarint();
            if (headerKeyLength < 0 || headerKeyLength > end - in.consumed()) {
                return invalid(rules, "header " + h + "'s key claims " + headerKeyLength + " bytes");
            }
            in.skip(headerKeyLength);
            int headerValueLength = in.readVarint();
            if (headerValueLength < -1) {
                return invalid(rules, "header " + h + "'s value length " + headerValueLength + " is below -1 (null)");
            }
            if (headerValueLength > end - in.consumed()) {
                return invalid(rules, "header " + h + "'s value claims " + headerValueLength + " bytes");
            }
            in.skip(Math.max(headerValueLength, 0));
        }
        if (in.consumed() != end) {
            return invalid(rules, "it claims " + length + " bytes but its fields take "
                    + (in.consumed() - end + length));
        }
        return rules.check(index, keyLength >= 0, timestampDelta);
    }

    private static String invalid(RecordRules rules, String why) {
        rules.outcome = Outcome.INVALID_RECORD;
        return why;
    }

    /**
     * The rules each record is held to, wherever it comes from: a compacted topic's records have keys, and a
     * CreateTime topic's timestamps lie within its limits around {@code nowMs}. The problem, or null.
     */
    public static String recordProblem(boolean hasKey, long timestamp, LogConfig config, long nowMs) {
        String problem = keyProblem(hasKey, config);
        return problem != null ? problem : timestampProblem(timestamp, config, nowMs);
    }

    private static String keyProblem(boolean hasKey, LogConfig config) {
        return !hasKey && config.compact() ? "a compacted topic cannot accept a record without a key" : null;
    }

    private static String timestampProblem(long timestamp, LogConfig config, long nowMs) {
        if (config.timestampType() == TimestampType.CREATE_TIME && timestamp != RecordBatch.NO_TIMESTAMP) {
            long ahead = timestamp - nowMs;
            if (ahead > config.timestampAfterMaxMs() || -ahead > config.timestampBeforeMaxMs()) {
                return "timestamp " + timestamp + " is out of range: it must be within [" + lowest(nowMs, config)
                        + ", " + highest(nowMs, config) + "] (message.timestamp.before.max.ms="
                        + config.timestampBeforeMaxMs() + ", message.timestamp.after.max.ms="
                        + config.timestampAfterMaxMs() + ")";
            }
        }
        return null;
    }

    private static long lowest(long nowMs, LogConfig config) {
        long low = nowMs - config.timestampBeforeMaxMs();
        return low > nowMs ? Long.MIN_VALUE : low;
    }

    private static long highest(long nowMs, LogConfig config) {
        long high = nowMs + config.timestampAfterMaxMs();
        return high < nowMs ? Long.MAX_VALUE : high;
    }

    private static Result refused(Outcome outcome, String why, TopicPartition partition) {
        return refused(outcome, why, partition, -1);
    }

    private static Result refused(Outcome outcome, String why, TopicPartition partition, int recordIndex) {
        return Result.refused(outcome, "Invalid record batch: " + why + ": partition=" + partition, recordIndex);
    }

    /** The per-record rules with what they track across a batch: the largest timestamp and where it is. */
    private static final class RecordRules {
        final TopicPartition partition;
        final LogConfig config;
        final long nowMs;
        final long baseTimestamp;
        Outcome outcome = Outcome.INVALID_RECORD;
        long maxTimestamp = RecordBatch.NO_TIMESTAMP;
        int offsetDeltaOfMaxTimestamp = -1;

        RecordRules(TopicPartition partition, LogConfig config, long nowMs, long baseTimestamp) {
            this.partition = partition;
            this.config = config;
            this.nowMs = nowMs;
            this.baseTimestamp = baseTimestamp;
        }

        String check(int index, boolean hasKey, long timestampDelta) {
            long timestamp = baseTimestamp + timestampDelta;
            String problem = keyProblem(hasKey, config);
            outcome = Outcome.INVALID_RECORD;
            if (problem == null) {
                problem = timestampProblem(timestamp, config, nowMs);
                outcome = Outcome.INVALID_TIMESTAMP;
            }
            if (problem != null) {
                return problem;
            }
            if (timestamp > maxTimestamp || offsetDeltaOfMaxTimestamp < 0) {
                maxTimestamp = timestamp;
                offsetDeltaOfMaxTimestamp = index;
            }
            return null;
        }
    }

    /** A thread's buffers for decompressing: the codecs' own and the chunk the records are read from. */
    private static final class Scratch {
        final BufferSupplier buffers = BufferSupplier.create();
        final byte[] chunk = new byte[64 * 1024];
    }
}
