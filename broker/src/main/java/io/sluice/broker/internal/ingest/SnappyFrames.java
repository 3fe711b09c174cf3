package io.sluice.broker.internal.ingest;

import java.nio.ByteBuffer;

/**
 * Checks the framing of Snappy-compressed records before they are decompressed. Kafka's producers write
 * snappy-java's stream format; its reader allocates each chunk, and the chunk's inflated size, as the chunk declares
 * them, so a few bytes could make it allocate gigabytes. A chunk must fit in the bytes that arrived and declare no
 * more than Snappy can inflate it to.
 *
 * <pre>
 *   stream = magic:8 (0x82 'SNAPPY' 0x00) | version:int32 | compatibleVersion:int32 | chunk*
 *   chunk  = length:int32 | raw Snappy block of length bytes, which starts with its inflated size as a varint
 * </pre>
 *
 * Bytes without the magic are read as one raw Snappy block, as snappy-java does.
 */
final class SnappyFrames {
    private static final byte[] MAGIC = {(byte) 0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};
    private static final int HEADER_BYTES = MAGIC.length + 8;
    /** Snappy's densest element, a copy of 64 bytes, takes 3 bytes: a block inflates less than 22 times. */
    private static final int MAX_INFLATION = 22;

    private SnappyFrames() {
    }

    /** What is wrong with the framing of {@code records}, inflating to at most {@code limit}; or null. */
    static String problem(ByteBuffer records, long limit) {
        ByteBuffer b = records.slice();
        if (!hasMagic(b)) {
            return blockProblem(b, 0, b.remaining(), limit);
        }
        if (b.remaining() < HEADER_BYTES) {
            return "the Snappy stream header is cut short";
        }
        long inflated = 0;
        int position = HEADER_BYTES;
        while (position < b.remaining()) {
            if (b.remaining() - position < 4) {
                return null; // snappy-java reads fewer than 4 bytes left as the end of the stream
            }
            int length = b.getInt(position);
            position += 4;
            if (length <= 0 || length > b.remaining() - position) {
                return "a Snappy chunk claims " + length + " bytes where " + (b.remaining() - position) + " remain";
            }
            String problem = blockProblem(b, position, length, limit - inflated);
            if (problem != null) {
                return problem;
            }
            inflated += declaredSize(b, position, length);
            position += length;
        }
        return null;
    }

    private static boolean hasMagic(ByteBuffer b) {
        if (b.remaining() < MAGIC.length) {
            return false;
        }
        for (int i = 0; i < MAGIC.length; i++) {
            if (b.get(i) != MAGIC[i]) {
                return false;
            }
        }
        return true;
    }

    private static String blockProblem(ByteBuffer b, int position, int length, long limit) {
        long size = declaredSize(b, position, length);
        if (size < 0) {
            return "a Snappy block's inflated size is unreadable";
        }
        if (size > (long) MAX_INFLATION * length + 64 || size > limit) {
            return "a Snappy block of " + length + " bytes claims to inflate to " + size;
        }
        return null;
    }

    /** The block's inflated size, an unsigned varint of at most 5 bytes; -1 if it is not one. */
    private static long declaredSize(ByteBuffer b, int position, int length) {
        long value = 0;
        for (int i = 0; i < 5 && i < length; i++) {
            int x = b.get(position + i) & 0xff;
            value |= (long) (x & 0x7f) << (7 * i);
            if ((x & 0x80) == 0) {
                return value;
            }
        }
        return -1;
    }
}
