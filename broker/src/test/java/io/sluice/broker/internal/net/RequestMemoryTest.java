package io.sluice.broker.internal.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The bound on request memory: frames within it, one past it at a time, and waiters told when memory comes back. */
class RequestMemoryTest {
    private final Object a = new Object();
    private final Object b = new Object();
    private final Object c = new Object();
    private final AtomicInteger told = new AtomicInteger();

    @Test
    void shouldLetOneReaderPastTheBoundAndMakeTheNextWaitUntilMemoryIsGivenBack() {
        RequestMemory memory = new RequestMemory(1_000);
        assertThat(memory.reserveOrWait(a, 800, told::incrementAndGet)).isTrue();
        assertThat(memory.reserveOrWait(b, 400, told::incrementAndGet)).as("past the bound: b may go on").isTrue();
        assertThat(memory.reserveOrWait(b, 400, told::incrementAndGet)).as("b again, with the same frame").isTrue();
        assertThat(memory.reserveOrWait(c, 10, told::incrementAndGet)).as("c waits").isFalse();
        assertThat(memory.used()).isEqualTo(1_600);
        memory.handing(b, 800);
        assertThat(told).as("handing a frame on frees nothing yet").hasValue(0);
        memory.handled(800);
        assertThat(told).as("c is told").hasValue(1);
        assertThat(memory.reserveOrWait(c, 10, told::incrementAndGet)).isTrue();
        memory.dropped(a, 800);
        memory.handing(c, 10);
        memory.handled(10);
        assertThat(memory.used()).isZero();
    }

    @Test
    void shouldFreeTheWayPastTheBoundWhenItsReaderGoes() {
        RequestMemory memory = new RequestMemory(100);
        assertThat(memory.reserveOrWait(a, 500, told::incrementAndGet)).isTrue();
        assertThat(memory.reserveOrWait(b, 1, told::incrementAndGet)).isFalse();
        memory.dropped(a, 500);
        assertThat(told).hasValue(1);
        assertThat(memory.reserveOrWait(b, 1, told::incrementAndGet)).isTrue();
    }
}
