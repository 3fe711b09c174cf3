package io.sluice.broker.internal.ingest;

import com.lmax.disruptor.AlertException;
import com.lmax.disruptor.Sequence;
import com.lmax.disruptor.SequenceBarrier;
import com.lmax.disruptor.WaitStrategy;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * Waits for records in up to three phases: a busy spin, then yielding, then parking until a producer unparks the
 * journal thread. With no spin and no yield ({@code parking}, the default) an idle journal costs nothing and wakes
 * in tens of microseconds; with both ({@code phased}) it wakes in a few microseconds but keeps a core busy under
 * moderate load. Either way, publishing costs producers one volatile read while the journal is busy — unlike the
 * Disruptor's blocking strategies, which take a lock or an atomic swap on every publish.
 *
 * <p>No lost wake-up: before parking, the journal announces itself in {@code parked} (volatile write) and then
 * re-reads the cursor; a producer claims its slot on the cursor (an atomic add), then reads {@code parked}. One of
 * the two sees the other's write. (The park has no timeout: a timed park costs the kernel a timer per wait, which
 * showed as a fifth of a core at 100,000 records/s.)
 *
 * <p>A publish made quietly ({@link #quietFlag} set) does not wake the journal: its publisher owes a
 * {@link #wake} later (see {@link JournalShard#tryPublish}).
 */
final class ParkingWaitStrategy implements WaitStrategy {
    private final long spinNanos;
    private final long yieldNanos;
    private volatile Thread parked;
    private static final VarHandle PARKED;

    static {
        try {
            PARKED = MethodHandles.lookup().findVarHandle(ParkingWaitStrategy.class, "parked", Thread.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    ParkingWaitStrategy(long spinNanos, long yieldNanos) {
        this.spinNanos = spinNanos;
        this.yieldNanos = yieldNanos;
    }

    @Override
    public long waitFor(long sequence, Sequence cursor, Sequence dependentSequence, SequenceBarrier barrier)
            throws AlertException {
        long available = dependentSequence.get();
        if (available >= sequence) {
            return available;
        }
        if (spinNanos == 0 && yieldNanos == 0) {
            while ((available = dependentSequence.get()) < sequence) {
                barrier.checkAlert();
                park(sequence, cursor);
            }
            return available;
        }
        long start = System.nanoTime();
        int spins = 0;
        while ((available = dependentSequence.get()) < sequence) {
            barrier.checkAlert();
            if ((++spins & 0x3f) != 0) {
                Thread.onSpinWait();
                continue;
            }
            long waited = System.nanoTime() - start;
            if (waited < spinNanos) {
                Thread.onSpinWait();
            } else if (waited < spinNanos + yieldNanos) {
                Thread.yield();
            } else {
                park(sequence, cursor);
            }
        }
        return available;
    }

    private void park(long sequence, Sequence cursor) {
        parked = Thread.currentThread();
        try {
            if (cursor.get() < sequence) {
                LockSupport.park(this);
            }
        } finally {
            parked = null;
        }
    }

    /** Per thread: whether the publish under way is a quiet one. */
    private static final ThreadLocal<boolean[]> QUIET = ThreadLocal.withInitial(() -> new boolean[1]);

    /** This thread's flag: set around a ring publish that must not wake the journal. */
    static boolean[] quietFlag() {
        return QUIET.get();
    }

    @Override
    public void signalAllWhenBlocking() {
        // Every publish calls this: the thread-local lookup is paid only when there is a parked journal to wake.
        if (parked != null && !QUIET.get()[0]) {
            wake();
        }
    }

    /** Wakes the journal if it is parked. */
    void wake() {
        Thread thread = parked;
        // Only the first publisher after a park pays for the unpark; the others see null.
        if (thread != null && PARKED.compareAndSet(this, thread, null)) {
            LockSupport.unpark(thread);
        }
    }
}
