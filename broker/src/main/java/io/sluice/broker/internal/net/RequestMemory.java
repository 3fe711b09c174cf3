package io.sluice.broker.internal.net;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Bounds the memory request frames hold ({@code queued.max.request.bytes}), as Kafka's memory pool does: a frame's
 * bytes are counted from the moment they are allocated — as they arrive, never for a size a client only announced —
 * until its response is queued. A connection whose frame needs more than is free waits, unread, in line, and is
 * told to try again when memory is given back.
 *
 * <p>Kafka's key and its meaning; its default is no bound, this one's a quarter of the heap.
 *
 * <p>Frames read in part could fill the bound and wait on each other for ever (each needs more, none can finish),
 * and memory held by a request that parks (a fetch waiting for records) may not come back soon. So one connection
 * at a time may go past the bound with its one frame: the bound is exceeded by at most one frame
 * ({@code socket.request.max.bytes}), and the connection past it reads on until its frame is whole.
 *
 * <p>Thread-safe: every network thread reads into it, and responses finish on any thread.
 */
final class RequestMemory {
    private final long capacity;
    private long reading;
    private long handling;
    /** The one reader allowed past the capacity, or null. */
    private Object overdrawn;
    private final ArrayDeque<Runnable> waiting = new ArrayDeque<>();

    RequestMemory(long capacity) {
        this.capacity = capacity;
    }

    /**
     * Counts {@code bytes} more for the frame {@code reader} is reading, if they fit; if not, {@code retry} is run
     * once memory is given back (on the releasing thread, so it should only hand work over) and this returns false.
     */
    synchronized boolean reserveOrWait(Object reader, int bytes, Runnable retry) {
        if (reading + handling + bytes <= capacity || overdrawn == reader) {
            reading += bytes;
            return true;
        }
        if (overdrawn == null) {
            overdrawn = reader;
            reading += bytes;
            return true;
        }
        waiting.add(retry);
        return false;
    }

    /** The frame {@code reader} was reading, of {@code bytes}, is whole and handed to be answered. */
    synchronized void handing(Object reader, int bytes) {
        reading -= bytes;
        handling += bytes;
        if (overdrawn == reader) {
            overdrawn = null;
        }
    }

    /** A frame's response is queued (or its connection gone): its bytes are free. */
    void handled(int bytes) {
        List<Runnable> toTell;
        synchronized (this) {
            handling -= bytes;
            toTell = drainWaiting();
        }
        toTell.forEach(Runnable::run);
    }

    /** A frame read in part is dropped with its connection. */
    void dropped(Object reader, int bytes) {
        List<Runnable> toTell;
        synchronized (this) {
            reading -= bytes;
            if (overdrawn == reader) {
                overdrawn = null;
            }
            toTell = drainWaiting();
        }
        toTell.forEach(Runnable::run);
    }

    synchronized long used() {
        return reading + handling;
    }

    long capacity() {
        return capacity;
    }

    private List<Runnable> drainWaiting() {
        List<Runnable> all = new ArrayList<>(waiting);
        waiting.clear();
        return all;
    }
}
