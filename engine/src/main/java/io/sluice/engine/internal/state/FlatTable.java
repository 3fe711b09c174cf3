package io.sluice.engine.internal.state;

import java.lang.invoke.VarHandle;
import java.util.function.UnaryOperator;

/**
 * The hash table behind the in-memory stores: keys and values side by side in one array (open addressing, linear
 * probing), and a bit per slot that marks it changed since the last flush. An entry costs two references and a
 * bit, where a map entry costs two objects more; a lookup of a random key in a large table waits for memory a
 * third less often (no node, the value next to its key); and a store holding millions of entries gives young
 * collections nothing to copy but its keys and values.
 *
 * <p>Only the task's thread writes; query threads read without locks. A slot's value is written (release) before
 * its key, and readers read the key (acquire) before the value, so a reader sees an entry either not yet or with
 * its value. Those are plain array accesses beside {@code VarHandle} fences rather than an array {@code VarHandle}'s
 * acquire and release methods: the same ordering, but compiled by C1 and run by the interpreter without the type
 * checks that made such a lookup several times slower until C2 compiled it (a sixth of the stream thread of a
 * join run on C1 alone). Growing builds a new array and publishes it at once. A deleted entry keeps its key with a
 * null value until the table grows; readers treat a null value as absent.
 */
final class FlatTable {
    /** The hash of a free slot; a key whose hash code is this one is stored with {@link #FREE_REPLACEMENT}. */
    private static final int FREE = 0;
    private static final int FREE_REPLACEMENT = 0x9E3779B9;

    /**
     * One generation of the slots: key at {@code 2i}, value at {@code 2i + 1}, the key's stored hash at {@code i}
     * of its own array (0 for a free slot; probing reads those, and follows a key reference only on a match);
     * replaced whole when growing.
     */
    private static final class Slots {
        final Object[] entries;
        final int[] hashes;
        final long[] changed;
        final int mask;

        Slots(int capacity) {
            entries = new Object[capacity * 2];
            hashes = new int[capacity];
            changed = new long[Math.max(1, capacity >>> 6)];
            mask = capacity - 1;
        }
    }

    /** Receives entries: each one with a value, or each one changed since the last flush. */
    @FunctionalInterface
    interface EntryVisitor {
        void visit(Object key, Object value);
    }

    private volatile Slots slots;
    /** Slots in use, deleted entries included; the task's thread only. */
    private int used;
    private int changedCount;
    /** Entries with a value; written by the task's thread, read (racily, an int is read whole) by any. */
    private int live;

    FlatTable(int expectedEntries) {
        this.slots = new Slots(capacityFor(expectedEntries));
    }

    private static int capacityFor(int entries) {
        int capacity = 16;
        while (capacity * 3 / 4 < entries) {
            capacity <<= 1;
        }
        return capacity;
    }

    /**
     * The low bits of the hash, with the high ones folded in (as {@code HashMap} does). Keys like {@code key-1234}
     * have neighbouring hash codes, so keys written in order land in neighbouring slots: restoring a million of
     * them ran 3× faster than with Fibonacci hashing, which scatters them over the table and misses the cache on
     * every write. The runs this forms cost little, since probing compares the stored hashes, not the keys.
     */
    private static int firstSlot(int hash, Slots s) {
        return (hash ^ (hash >>> 16)) & s.mask;
    }

    /**
     * The hash a slot stores for {@code key}: its hash code, but never 0, which marks a free slot, so that probing
     * reads only the hash array (16 slots a cache line) and follows a key reference only when a hash matches.
     */
    private static int storedHash(Object key) {
        int hash = key.hashCode();
        return hash == 0 ? FREE_REPLACEMENT : hash;
    }

    /** The value of {@code key}, or null; any thread. */
    Object get(Object key) {
        Slots s = slots;
        int hash = storedHash(key);
        int[] hashes = s.hashes;
        for (int i = firstSlot(hash, s); ; i = (i + 1) & s.mask) {
            int h = hashes[i];
            if (h == hash) {
                // The key is published after its hash: a reader that finds none yet goes on probing, and finds the
                // key absent, as it was a moment before.
                Object k = s.entries[2 * i];
                VarHandle.acquireFence();
                if (k != null && k.equals(key)) {
                    Object value = s.entries[2 * i + 1];
                    VarHandle.acquireFence();
                    return value;
                }
            } else if (h == FREE) {
                return null;
            }
        }
    }

    /**
     * Sets {@code key} to {@code value} (null deletes) and marks the entry changed. A new entry keeps the
     * {@code key} instance given. Task's thread only.
     */
    void put(Object key, Object value) {
        put(key, value, true, null);
    }

    /** As {@link #put}, a new entry keeping {@code keyToKeep.apply(key)}, an equal key, instead of {@code key}. */
    void put(Object key, Object value, UnaryOperator<Object> keyToKeep) {
        put(key, value, true, keyToKeep);
    }

    /** As {@link #put} without marking the entry changed: for restoring from the changelog. */
    void restore(Object key, Object value) {
        put(key, value, false, null);
    }

    /** As {@link #put(Object, Object, UnaryOperator)} without marking the entry changed. */
    void restore(Object key, Object value, UnaryOperator<Object> keyToKeep) {
        put(key, value, false, keyToKeep);
    }

    private void put(Object key, Object value, boolean markChanged, UnaryOperator<Object> keyToKeep) {
        Slots s = slots;
        Object[] entries = s.entries;
        int[] hashes = s.hashes;
        int hash = storedHash(key);
        int i = firstSlot(hash, s);
        for (; ; i = (i + 1) & s.mask) {
            int h = hashes[i];
            if (h == FREE) {
                if (value == null) {
                    return; // deleting a key that is not there
                }
                break;
            }
            if (h == hash && entries[2 * i].equals(key)) {
                Object old = entries[2 * i + 1];
                if (value == null && old == null) {
                    return; // already deleted
                }
                VarHandle.releaseFence();
                entries[2 * i + 1] = value;
                if (old == null) {
                    live++;
                } else if (value == null) {
                    live--;
                }
                if (markChanged) {
                    markChanged(s, i);
                }
                return;
            }
        }
        s.hashes[i] = hash;
        Object keyKept = keyToKeep == null ? key : keyToKeep.apply(key);
        VarHandle.releaseFence();
        entries[2 * i + 1] = value;
        VarHandle.releaseFence();
        entries[2 * i] = keyKept;
        used++;
        live++;
        if (markChanged) {
            markChanged(s, i);
        }
        if (used > (s.mask + 1) * 3 / 4) {
            grow(s);
        }
    }

    private void markChanged(Slots s, int slot) {
        long bit = 1L << slot;
        if ((s.changed[slot >>> 6] & bit) == 0) {
            s.changed[slot >>> 6] |= bit;
            changedCount++;
        }
    }

    /** Copies the entries with a value and the changed ones into slots for twice as many (deletions make room). */
    private void grow(Slots s) {
        int kept = 0;
        for (int i = 0; i <= s.mask; i++) {
            if (keeps(s, i)) {
                kept++;
            }
        }
        Slots bigger = new Slots(capacityFor(kept * 2));
        for (int i = 0; i <= s.mask; i++) {
            if (!keeps(s, i)) {
                continue;
            }
            Object k = s.entries[2 * i];
            int j = firstSlot(s.hashes[i], bigger);
            while (bigger.hashes[j] != FREE) {
                j = (j + 1) & bigger.mask;
            }
            bigger.hashes[j] = s.hashes[i];
            bigger.entries[2 * j] = k;
            bigger.entries[2 * j + 1] = s.entries[2 * i + 1];
            if (isChanged(s, i)) {
                bigger.changed[j >>> 6] |= 1L << j;
            }
        }
        used = kept;
        slots = bigger;
    }

    /** Whether growing keeps slot {@code i}: it has a value, or a deletion not yet flushed. */
    private static boolean keeps(Slots s, int i) {
        return s.entries[2 * i] != null && (s.entries[2 * i + 1] != null || isChanged(s, i));
    }

    private static boolean isChanged(Slots s, int slot) {
        return (s.changed[slot >>> 6] & (1L << slot)) != 0;
    }

    boolean hasChanges() {
        return changedCount > 0;
    }

    /**
     * Passes each entry changed since the last call to {@code visitor} (a deleted one with a null value; skipped
     * when the visitor is null) and clears the marks. Task's thread only.
     */
    void drainChanges(EntryVisitor visitor) {
        if (changedCount == 0) {
            return;
        }
        Slots s = slots;
        for (int w = 0; w < s.changed.length; w++) {
            long bits = s.changed[w];
            while (bits != 0) {
                int slot = (w << 6) + Long.numberOfTrailingZeros(bits);
                bits &= bits - 1;
                if (visitor != null) {
                    visitor.visit(s.entries[2 * slot], s.entries[2 * slot + 1]);
                }
            }
            s.changed[w] = 0;
        }
        changedCount = 0;
    }

    /** Every entry with a value; any thread, a snapshot as of some moment during the call. */
    void forEach(EntryVisitor visitor) {
        Slots s = slots;
        for (int i = 0; i <= s.mask; i++) {
            Object k = s.entries[2 * i];
            VarHandle.acquireFence();
            if (k != null) {
                Object v = s.entries[2 * i + 1];
                VarHandle.acquireFence();
                if (v != null) {
                    visitor.visit(k, v);
                }
            }
        }
    }

    /** How many entries have a value; any thread. */
    int size() {
        return live;
    }
}
