package io.sluice.broker.internal.ingest;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.utils.BufferSupplier;

/**
 * Mutations of real record batches that get past the outer checks: header fields (counts, offset deltas,
 * attributes, codec, base offset, sequence, timestamps, length, magic), the bytes of the records (a compressed
 * batch's decompressed, mutated and compressed again: varints, lengths, record bodies), or the compressed bytes —
 * with the CRC-32C recomputed, but for one kind that keeps the one sent. Not thread-safe.
 */
public final class BatchMutator {
    private final Random random;

    public BatchMutator(Random random) {
        this.random = random;
    }

    /**
     * Batches as Kafka's producer encodes them (with kafka-clients' own builder): {@code perCodec} of each codec,
     * idempotent or not, records with and without keys, values and headers, stamped shortly before {@code nowMs}.
     */
    public static List<ByteBuffer> kafkaBatches(Random random, long nowMs, int perCodec) {
        List<ByteBuffer> batches = new ArrayList<>();
        for (CompressionType type : CompressionType.values()) {
            for (int n = 0; n < perCodec; n++) {
                MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(64 * 1024),
                        RecordBatch.CURRENT_MAGIC_VALUE, Compression.of(type).build(), TimestampType.CREATE_TIME, 0L,
                        nowMs, n % 2 == 0 ? RecordBatch.NO_PRODUCER_ID : 4242L + n, (short) 0, n * 10, false,
                        RecordBatch.NO_PARTITION_LEADER_EPOCH);
                int records = 1 + random.nextInt(12);
                for (int r = 0; r < records; r++) {
                    byte[] key = random.nextInt(4) == 0 ? null : bytes(random, random.nextInt(12));
                    byte[] value = random.nextInt(6) == 0 ? null : bytes(random, random.nextInt(80));
                    RecordHeader[] headers = new RecordHeader[random.nextInt(3)];
                    for (int h = 0; h < headers.length; h++) {
                        headers[h] = new RecordHeader("h" + h, random.nextBoolean() ? null : bytes(random, 4));
                    }
                    builder.append(new SimpleRecord(nowMs - random.nextInt(100_000), key, value, headers));
                }
                batches.add(builder.build().buffer());
            }
        }
        return batches;
    }

    private static byte[] bytes(Random random, int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    /** A mutation of {@code original} (not changed); {@code how[0]} is told which kind. */
    public ByteBuffer mutate(ByteBuffer original, String[] how) throws IOException {
        ByteBuffer b = copy(original);
        int codec = b.getShort(21) & 7;
        switch (random.nextInt(codec == 0 ? 4 : 5)) {
            case 0 -> {
                how[0] = "none";
                return b;
            }
            case 1 -> {
                how[0] = "header";
                return RawBatch.withCrc(mutateHeader(b));
            }
            case 2 -> {
                how[0] = "header, CRC as sent";
                return mutateHeader(b);
            }
            case 3 -> {
                how[0] = codec == 0 ? "records" : "inflated records";
                byte[] records = inflated(b, codec);
                byte[] mutated = mutateBytes(records);
                return rebuild(b, codec == 0 ? mutated : RawBatch.compress(mutated, CompressionType.forId(codec)));
            }
            default -> {
                how[0] = "compressed bytes";
                byte[] compressed = new byte[b.remaining() - RawBatch.HEADER_BYTES];
                b.get(RawBatch.HEADER_BYTES, compressed);
                return rebuild(b, mutateBytes(compressed));
            }
        }
    }

    private ByteBuffer mutateHeader(ByteBuffer b) {
        int field = random.nextInt(9);
        switch (field) {
            case 0 -> b.putInt(57, interesting(b.getInt(57)));
            case 1 -> b.putInt(23, interesting(b.getInt(23)));
            case 2 -> {
                int count = interesting(b.getInt(57));
                b.putInt(57, count).putInt(23, count - 1);
            }
            case 3 -> b.putShort(21, (short) (random.nextBoolean() ? random.nextInt(1 << 16)
                    : (b.getShort(21) & ~7) | random.nextInt(8)));
            case 4 -> b.putLong(0, random.nextBoolean() ? 0 : interesting(0));
            case 5 -> b.putInt(53, interesting(b.getInt(53)));
            case 6 -> b.putLong(35, b.getLong(35) + interesting(0));
            case 7 -> b.put(16, (byte) random.nextInt(4));
            default -> b.putInt(8, interesting(b.getInt(8)));
        }
        return b;
    }

    /** Near the value, or a boundary. */
    private int interesting(int value) {
        return switch (random.nextInt(6)) {
            case 0 -> value + 1;
            case 1 -> value - 1;
            case 2 -> Integer.MAX_VALUE;
            case 3 -> random.nextBoolean() ? 0 : -1;
            case 4 -> value + random.nextInt(1_000_000);
            default -> random.nextInt();
        };
    }

    /** One to three changes: a byte flipped or set, a varint written over, bytes cut, repeated or added. */
    private byte[] mutateBytes(byte[] bytes) {
        byte[] out = bytes;
        int changes = 1 + random.nextInt(3);
        for (int c = 0; c < changes && out.length > 0; c++) {
            int at = random.nextInt(out.length);
            switch (random.nextInt(6)) {
                case 0 -> out[at] ^= (byte) (1 << random.nextInt(8));
                case 1 -> out[at] = (byte) random.nextInt(256);
                case 2 -> {
                    byte[] varint = RawBatch.varint(interesting(random.nextInt(200)));
                    out = RawBatch.concat(java.util.Arrays.copyOf(out, at), varint,
                            java.util.Arrays.copyOfRange(out, Math.min(out.length, at + varint.length), out.length));
                }
                case 3 -> out = RawBatch.concat(java.util.Arrays.copyOf(out, at),
                        java.util.Arrays.copyOfRange(out, Math.min(out.length, at + 1 + random.nextInt(8)),
                                out.length));
                case 4 -> out = RawBatch.concat(out, java.util.Arrays.copyOfRange(out, at, out.length));
                default -> out = RawBatch.concat(java.util.Arrays.copyOf(out, at), bytes(1 + random.nextInt(6)),
                        java.util.Arrays.copyOfRange(out, at, out.length));
            }
        }
        return out;
    }

    /** The records section, decompressed. */
    private static byte[] inflated(ByteBuffer batch, int codec) throws IOException {
        ByteBuffer records = batch.duplicate().position(RawBatch.HEADER_BYTES).slice();
        if (codec == 0) {
            byte[] out = new byte[records.remaining()];
            records.get(out);
            return out;
        }
        try (InputStream in = Compression.of(CompressionType.forId(codec)).build().wrapForInput(records,
                RecordBatch.MAGIC_VALUE_V2, BufferSupplier.NO_CACHING)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            in.transferTo(out);
            return out.toByteArray();
        }
    }

    /** The header of {@code batch} over new records, its length and CRC made to match. */
    private static ByteBuffer rebuild(ByteBuffer batch, byte[] records) {
        ByteBuffer out = ByteBuffer.allocate(RawBatch.HEADER_BYTES + records.length);
        out.put(batch.duplicate().limit(batch.position() + RawBatch.HEADER_BYTES)).put(records).flip();
        out.putInt(8, out.remaining() - 12);
        return RawBatch.withCrc(out);
    }

    private byte[] bytes(int n) {
        return bytes(random, n);
    }

    private static ByteBuffer copy(ByteBuffer b) {
        ByteBuffer c = ByteBuffer.allocate(b.remaining());
        c.put(b.duplicate()).flip();
        return c;
    }
}
