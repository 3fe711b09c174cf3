package io.sluice.broker.internal.client;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Chooses partitions as Kafka's default partitioner does, so that a key lands on the same partition whichever client
 * wrote it: {@code toPositive(murmur2(key)) % partitions}. Records without a key stick to one partition until
 * {@code batch.size} bytes went to it, then move to another (Kafka's sticky partitioning), which keeps batches
 * large.
 */
public final class Partitioner {
    private final int stickyBytes;

    /**
     * Per-topic sticky choice. Written without synchronization by concurrent senders: a lost update only moves the
     * switch a few records earlier or later.
     */
    private final java.util.concurrent.ConcurrentHashMap<String, Sticky> sticky =
            new java.util.concurrent.ConcurrentHashMap<>();

    private static final class Sticky {
        int partition = -1;
        int bytes;
        int partitionCount;
    }

    Partitioner(int stickyBytes) {
        this.stickyBytes = stickyBytes;
    }

    int partition(String topic, byte[] key, int recordBytes, int partitionCount) {
        if (key != null) {
            return partitionForKey(key, partitionCount);
        }
        Sticky s = sticky.computeIfAbsent(topic, t -> new Sticky());
        int current = s.partition;
        if (current < 0 || current >= partitionCount || s.partitionCount != partitionCount
                || s.bytes >= stickyBytes) {
            current = nextPartition(current, partitionCount);
            s.partition = current;
            s.partitionCount = partitionCount;
            s.bytes = 0;
        }
        s.bytes += recordBytes;
        return current;
    }

    private static int nextPartition(int previous, int partitionCount) {
        if (partitionCount == 1) {
            return 0;
        }
        int next = ThreadLocalRandom.current().nextInt(partitionCount - 1);
        return previous >= 0 && next >= previous ? next + 1 : next;
    }

    public static int partitionForKey(byte[] key, int partitionCount) {
        return (murmur2(key) & 0x7fffffff) % partitionCount;
    }

    /** MurmurHash2, 32-bit, with Kafka's seed. */
    public static int murmur2(byte[] data) {
        final int m = 0x5bd1e995;
        final int r = 24;
        int length = data.length;
        int h = 0x9747b28c ^ length;
        int blocks = length >> 2;
        for (int i = 0; i < blocks; i++) {
            int at = i << 2;
            int k = (data[at] & 0xff) | ((data[at + 1] & 0xff) << 8) | ((data[at + 2] & 0xff) << 16)
                    | ((data[at + 3] & 0xff) << 24);
            k *= m;
            k ^= k >>> r;
            k *= m;
            h *= m;
            h ^= k;
        }
        int tail = blocks << 2;
        switch (length & 3) {
            case 3:
                h ^= (data[tail + 2] & 0xff) << 16;
                // fall through
            case 2:
                h ^= (data[tail + 1] & 0xff) << 8;
                // fall through
            case 1:
                h ^= data[tail] & 0xff;
                h *= m;
                break;
            default:
                break;
        }
        h ^= h >>> 13;
        h *= m;
        h ^= h >>> 15;
        return h;
    }
}
