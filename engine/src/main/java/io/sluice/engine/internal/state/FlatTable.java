package io.sluice.engine.internal.state;

import java.lang.invoke.MethodHandles;
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
 * its value. Growing builds a new array and publishes it at once. A deleted entry keeps its key with a null value
 * until the table grows; readers treat a null value as absent.
 */
final class FlatTable {
    private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(Object[].class);

    /**
     * One generation of the slots: key at {@code 2i}, value at {@code 2i + 1}, the key's hash code at {@code i} of
     * its own array (probing compares those, and follows a key reference only on a match); replaced whole when
     * growing.
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

    /** The value of {@code key}, or null; any thread. */
    Object get(Object key) {
        Slots s = slots;
        int hash = key.hashCode();
        for (int i = firstSlot(hash, s); ; i = (i + 1) & s.mask) {
            Object k = SLOTS.getAcquire(s.entries, 2 * i);
            if (k == null) {
                return null;
            }
            if (s.hashes[i] == hash && k.equals(key)) {
                return SLOTS.getAcquire(s.entries, 2 * i + 1);
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
        int hash = key.hashCode();
        int i = firstSlot(hash, s);
        for (; ; i = (i + 1) & s.mask) {
            Object k = entries[2 * i];
            if (k == null) {
                if (value == null) {
                    return; // deleting a key that is not there
                }
                break;
            }
            if (s.hashes[i] == hash && k.equals(key)) {
                Object old = entries[2 * i + 1];
                if (value == null && old == null) {
                    return; // already deleted
                }
                SLOTS.setRelease(entries, 2 * i + 1, value);
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
        SLOTS.setRelease(entries, 2 * i + 1, value);
        SLOTS.setRelease(entries, 2 * i, keyToKeep == null ? key : keyToKeep.apply(key));
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
            while (bigger.entries[2 * j] != null) {
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
            Object k = SLOTS.getAcquire(s.entries, 2 * i);
            if (k != null) {
                Object v = SLOTS.getAcquire(s.entries, 2 * i + 1);
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
