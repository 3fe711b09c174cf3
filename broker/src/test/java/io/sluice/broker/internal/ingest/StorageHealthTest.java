package io.sluice.broker.internal.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.broker.StorageException;
import io.sluice.broker.TopicPartition;
import org.junit.jupiter.api.Test;

/** The storage state machine of a partition, on a clock the test moves: failed → backoff → probe → healthy. */
class StorageHealthTest {
    private static final StorageException DISK_FULL = new StorageException("Cannot append to log: partition=t-0",
            new java.io.IOException("No space left on device"));

    private final StorageHealth health = new StorageHealth(new TopicPartition("t", 0));
    private long now = 1_000_000;

    @Test
    void shouldTakeWritesWhileNothingFailed() {
        assertThat(health.isFailed()).isFalse();
        assertThat(health.mayWrite(now)).isTrue();
        health.succeeded(now);
        assertThat(health.isFailed()).isFalse();
        assertThat(health.recordsRefused()).isZero();
    }

    @Test
    void shouldRefuseWritesUntilTheBackoffIsOverThenLetOneProbeThrough() {
        health.failed(DISK_FULL, now);

        assertThat(health.isFailed()).isTrue();
        assertThat(health.mayWrite(now)).isFalse();
        assertThat(health.mayWrite(now + StorageHealth.INITIAL_BACKOFF_MS - 1)).isFalse();
        assertThat(health.refusal()).isInstanceOf(StorageException.class).hasCause(DISK_FULL)
                .hasMessageContaining("partition=t-0").hasMessageContaining("No space left on device");
        assertThat(health.mayWrite(now + StorageHealth.INITIAL_BACKOFF_MS)).isTrue();
    }

    @Test
    void shouldDoubleTheBackoffAfterEachFailedProbeUpToItsBound() {
        health.failed(DISK_FULL, now);
        long expected = StorageHealth.INITIAL_BACKOFF_MS;
        for (int probe = 0; probe < 20; probe++) {
            now += expected;
            assertThat(health.mayWrite(now - 1)).isFalse();
            assertThat(health.mayWrite(now)).isTrue();
            health.failed(DISK_FULL, now);
            expected = Math.min(StorageHealth.MAX_BACKOFF_MS, expected * 2);
        }
        assertThat(expected).isEqualTo(StorageHealth.MAX_BACKOFF_MS);
        assertThat(health.mayWrite(now + StorageHealth.MAX_BACKOFF_MS - 1)).isFalse();
        assertThat(health.mayWrite(now + StorageHealth.MAX_BACKOFF_MS)).isTrue();
    }

    @Test
    void shouldBeHealthyAgainAfterAProbeSucceedsAndStartTheNextFailureFromTheFirstBackoff() {
        health.failed(DISK_FULL, now);
        now += StorageHealth.INITIAL_BACKOFF_MS;
        health.failed(DISK_FULL, now);
        now += 2 * StorageHealth.INITIAL_BACKOFF_MS;

        health.succeeded(now);

        assertThat(health.isFailed()).isFalse();
        assertThat(health.mayWrite(now)).isTrue();
        assertThat(health.refusal()).isNull();
        health.failed(DISK_FULL, now);
        assertThat(health.mayWrite(now + StorageHealth.INITIAL_BACKOFF_MS)).isTrue();
    }

    @Test
    void shouldCountTheRecordsRefusedAndThoseWhoseFsyncFailed() {
        health.failed(DISK_FULL, now);
        health.countRefused(3, now);
        health.countRefused(4, now + StorageHealth.REMINDER_INTERVAL_MS);
        health.countFailedFlush(5);
        now += StorageHealth.INITIAL_BACKOFF_MS;
        health.succeeded(now);
        health.countRefused(1, now);

        assertThat(health.recordsRefused()).isEqualTo(13);
    }
}
