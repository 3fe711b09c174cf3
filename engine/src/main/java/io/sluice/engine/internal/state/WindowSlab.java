package io.sluice.engine.internal.state;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The windows of one start time: keys and values in two parallel arrays (open addressing, linear probing), with a
 * bit per slot that marks it changed since the last flush. A window costs two references and a bit, where a map
 * entry costs two objects more — and a window store holds millions of windows that young collections would copy.
 *
 * <p>Only the task's thread writes; query threads read without locks. A slot's value is written (release) before
 * its key, and readers read the key (acquire) before the value, so a reader sees a window either not yet or with
 * its value. Growing builds new arrays and publishes them at once. A deleted window keeps its key with a null value
 * until the slab grows; readers treat a null value as absent.
 */
final class WindowSlab {
    private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(Object[].class);

    /** One generation of the arrays; replaced whole when the slab grows. */
    private static final class Table {
        final Object[] keys;
        final Object[] values;
        final long[] dirty;
        final int mask;

        Table(int capacity) {
            keys = new Object[capacity];
            values = new Object[capacity];
            dirty = new long[Math.max(1, capacity >>> 6)];
            mask = capacity - 1;
        }
    }

    /** Receives the windows changed since the last flush. */
    @FunctionalInterface
    interface ChangeVisitor {
        void changed(Object key, Object value);
    }

    final long start;
    private volatile Table table;
    /** Slots in use, deleted windows included; the task's thread only. */
    private int used;
    private int dirtyCount;

    WindowSlab(long start, int expectedWindows) {
        this.start = start;
        this.table = new Table(capacityFor(expectedWindows));
    }

    private static int capacityFor(int windows) {
        int capacity = 16;
        while (capacity * 3 / 4 < windows) {
            capacity <<= 1;
        }
        return capacity;
    }

    /** The value of {@code key}'s window, or null; any thread. */
    Object get(Object key) {
        Table t = table;
        for (int i = key.hashCode() & t.mask; ; i = (i + 1) & t.mask) {
            Object k = SLOTS.getAcquire(t.keys, i);
            if (k == null) {
                return null;
            }
            if (k.equals(key)) {
                return SLOTS.getAcquire(t.values, i);
            }
        }
    }

    /**
     * Sets {@code key}'s window to {@code value} (null deletes) and marks it changed; returns the key instance the
     * slab holds, which is {@code key} for a new window. Task's thread only.
     */
    void put(Object key, Object value) {
        put(key, value, true);
    }

    /** As {@link #put} without marking the window changed: for restoring from the changelog. */
    void restore(Object key, Object value) {
        put(key, value, false);
    }

    private void put(Object key, Object value, boolean markChanged) {
        Table t = table;
        int i = key.hashCode() & t.mask;
        for (; ; i = (i + 1) & t.mask) {
            Object k = t.keys[i];
            if (k == null) {
                if (value == null) {
                    return; // deleting a window that is not there
                }
                break;
            }
            if (k.equals(key)) {
                if (value == null && t.values[i] == null) {
                    return; // already deleted
                }
                SLOTS.setRelease(t.values, i, value);
                if (markChanged) {
                    markDirty(t, i);
                }
                return;
            }
        }
        SLOTS.setRelease(t.values, i, value);
        SLOTS.setRelease(t.keys, i, key);
        used++;
        if (markChanged) {
            markDirty(t, i);
        }
        if (used > (t.mask + 1) * 3 / 4) {
            grow(t);
        }
    }

    private void markDirty(Table t, int slot) {
        long bit = 1L << slot;
        if ((t.dirty[slot >>> 6] & bit) == 0) {
            t.dirty[slot >>> 6] |= bit;
            dirtyCount++;
        }
    }

    /** Copies the live and the changed windows into arrays twice the size (or the same, if deletions made room). */
    private void grow(Table t) {
        int live = 0;
        for (int i = 0; i <= t.mask; i++) {
            if (t.keys[i] != null && (t.values[i] != null || isDirty(t, i))) {
                live++;
            }
        }
        Table bigger = new Table(capacityFor(live * 2));
        for (int i = 0; i <= t.mask; i++) {
            Object k = t.keys[i];
            if (k == null || (t.values[i] == null && !isDirty(t, i))) {
                continue;
            }
            int j = k.hashCode() & bigger.mask;
            while (bigger.keys[j] != null) {
                j = (j + 1) & bigger.mask;
            }
            bigger.keys[j] = k;
            bigger.values[j] = t.values[i];
            if (isDirty(t, i)) {
                bigger.dirty[j >>> 6] |= 1L << j;
            }
        }
        used = live;
        table = bigger;
    }

    private static boolean isDirty(Table t, int slot) {
        return (t.dirty[slot >>> 6] & (1L << slot)) != 0;
    }

    boolean hasChanges() {
        return dirtyCount > 0;
    }

    /** Passes each window changed since the last call to {@code visitor} (when non-null) and clears the marks. */
    void drainChanges(ChangeVisitor visitor) {
        if (dirtyCount == 0) {
            return;
        }
        Table t = table;
        for (int w = 0; w < t.dirty.length; w++) {
            long bits = t.dirty[w];
            while (bits != 0) {
                int slot = (w << 6) + Long.numberOfTrailingZeros(bits);
                bits &= bits - 1;
                if (visitor != null) {
                    visitor.changed(t.keys[slot], t.values[slot]);
                }
            }
            t.dirty[w] = 0;
        }
        dirtyCount = 0;
    }

    /** Every window with a value; any thread, a snapshot as of some moment during the call. */
    void forEach(ChangeVisitor visitor) {
        Table t = table;
        for (int i = 0; i <= t.mask; i++) {
            Object k = SLOTS.getAcquire(t.keys, i);
            if (k != null) {
                Object v = SLOTS.getAcquire(t.values, i);
                if (v != null) {
                    visitor.changed(k, v);
                }
            }
        }
    }

    /** How many windows have a value; any thread. */
    int size() {
        int[] n = {0};
        forEach((k, v) -> n[0]++);
        return n[0];
    }
}
