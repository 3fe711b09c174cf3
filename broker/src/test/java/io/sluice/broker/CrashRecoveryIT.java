package io.sluice.broker;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.broker.ConsumerConfig.OffsetReset;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash safety: a child JVM produces to a topic that fsyncs every batch and reports each acknowledged offset; it is
 * killed with SIGKILL mid-stream, the data directory is reopened, and every acknowledged record must be there
 * exactly once, in order, with its bytes intact. Several cycles accumulate in the same directory.
 */
@Timeout(300)
class CrashRecoveryIT {
    private static final int CYCLES = 5;

    @TempDir
    Path temp;
    private Path dir;

    /** What the child acknowledged: cycle and sequence number at a partition offset. */
    private record Ack(int partition, long offset, int cycle, long seq) {
    }

    @Test
    void shouldKeepEveryAcknowledgedRecordAcrossKillDashNine() throws Exception {
        dir = temp.resolve("data");
        Random random = new Random(2026);
        Map<String, Ack> acked = new HashMap<>();
        for (int cycle = 0; cycle < CYCLES; cycle++) {
            int killAfter = 500 + random.nextInt(5000);
            List<Ack> acks = runAndKill(cycle, killAfter);
            assertThat(acks).as("cycle %d acknowledged records before the kill", cycle).isNotEmpty();
            for (Ack ack : acks) {
                Ack previous = acked.put(ack.partition() + "@" + ack.offset(), ack);
                assertThat(previous).as("offset acknowledged twice: %s", ack).isNull();
            }
            verify(acked);
        }
    }

    private List<Ack> runAndKill(int cycle, int killAfter) throws Exception {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process child = new ProcessBuilder(java.toString(), "-Xmx256m", "-cp", classpath,
                CrashingProducer.class.getName(), dir.toString(), Integer.toString(cycle))
                .redirectError(temp.resolve("child-" + cycle + ".err").toFile())
                .start();
        List<Ack> acks = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    if (line.startsWith("ACK ")) {
                        String[] f = line.split(" ");
                        acks.add(new Ack(Integer.parseInt(f[1]), Long.parseLong(f[2]), Integer.parseInt(f[3]),
                                Long.parseLong(f[4])));
                    }
                }
            } catch (IOException e) {
                // the child died: its output ends here
            }
        });
        reader.start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (acks.size() < killAfter && child.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(child.isAlive()).as("child still producing").isTrue();
        } finally {
            child.destroyForcibly(); // SIGKILL
            child.waitFor(30, TimeUnit.SECONDS);
            reader.join(10_000);
        }
        return new ArrayList<>(acks);
    }

    /** Recovers the directory and checks every acknowledged record, then that nothing is duplicated or reordered. */
    private void verify(Map<String, Ack> acked) {
        try (Broker broker = Broker.start(dir);
             Consumer consumer = broker.consumer(ConsumerConfig.builder().autoOffsetReset(OffsetReset.EARLIEST)
                     .maxPollRecords(10_000).build())) {
            consumer.assign(consumer.partitionsFor(CrashingProducer.TOPIC));
            Map<TopicPartition, Long> ends = consumer.endOffsets(consumer.assignment());
            long expected = ends.values().stream().mapToLong(Long::longValue).sum();
            Map<String, ConsumerRecord> byOffset = new HashMap<>();
            Map<String, Long> seenOnce = new HashMap<>();
            Map<String, Long> lastSeqPerPartitionAndCycle = new HashMap<>();
            long read = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (read < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord r : consumer.poll(Duration.ofMillis(200))) {
                    read++;
                    ByteBuffer v = ByteBuffer.wrap(r.value());
                    int cycle = v.getInt();
                    long seq = v.getLong();
                    assertThat(r.value()).as("bytes of cycle %d seq %d at %s", cycle, seq, r)
                            .isEqualTo(CrashingProducer.value(cycle, seq));
                    assertThat(r.key()).isEqualTo(CrashingProducer.key(cycle, seq));
                    Long before = seenOnce.put(cycle + ":" + seq, r.offset());
                    assertThat(before).as("cycle %d seq %d stored twice", cycle, seq).isNull();
                    String order = r.partition() + ":" + cycle;
                    Long lastSeq = lastSeqPerPartitionAndCycle.put(order, seq);
                    if (lastSeq != null) {
                        assertThat(seq).as("order in partition %d, cycle %d", r.partition(), cycle)
                                .isGreaterThan(lastSeq);
                    }
                    byOffset.put(r.partition() + "@" + r.offset(), r);
                }
            }
            assertThat(read).isEqualTo(expected);
            for (Map.Entry<String, Ack> e : acked.entrySet()) {
                ConsumerRecord r = byOffset.get(e.getKey());
                assertThat(r).as("acknowledged record missing: %s", e.getValue()).isNotNull();
                ByteBuffer v = ByteBuffer.wrap(r.value());
                assertThat(v.getInt()).isEqualTo(e.getValue().cycle());
                assertThat(v.getLong()).isEqualTo(e.getValue().seq());
            }
        }
    }
}
