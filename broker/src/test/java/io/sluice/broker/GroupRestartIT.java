package io.sluice.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Group membership survives a broker crash: Kafka consumers in a group poll and commit in a loop while the broker,
 * in a child JVM, is killed with SIGKILL and started again on the same directory and port. Their members come back
 * with the group's state: every commit succeeds, there is no rebalance, and each keeps its member id and
 * generation — a dynamic member and a static one ({@code group.instance.id}) alike.
 */
@Timeout(120)
class GroupRestartIT {
    @TempDir
    Path temp;
    private Process broker;
    private final List<Member> members = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (Member m : members) {
            m.stop();
        }
        if (broker != null) {
            broker.destroyForcibly();
            broker.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** Starts the broker in a child JVM and returns its {@code host:port} once it listens. */
    private String startBroker(Path dir, int port, String name) throws Exception {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        broker = new ProcessBuilder(java.toString(), "-Xmx256m", "-cp", classpath, GroupBrokerChild.class.getName(),
                dir.toString(), Integer.toString(port))
                .redirectError(temp.resolve(name + ".err").toFile())
                .start();
        CompletableFuture<String> ready = new CompletableFuture<>();
        Process child = broker;
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    if (line.startsWith("READY ")) {
                        ready.complete(line.substring("READY ".length()));
                    }
                }
            } catch (IOException e) {
                // the child died: its output ends here
            }
            ready.completeExceptionally(new IllegalStateException("the broker ended before it was ready"));
        }, "child-output-" + name);
        reader.setDaemon(true);
        reader.start();
        try {
            return ready.get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("broker " + name + " did not start: " + childErrors(name), e);
        }
    }

    private String childErrors(String name) throws IOException {
        Path err = temp.resolve(name + ".err");
        List<String> lines = Files.exists(err) ? Files.readAllLines(err) : List.of();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }

    private static void await(BooleanSupplier condition, int seconds, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waited %d s for %s", seconds, what).isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    /** A member of a group in its own thread: subscribes, then polls and commits synchronously until stopped. */
    private final class Member implements Runnable {
        final String group;
        final String instanceId;
        final String bootstrap;
        final Thread thread;
        final AtomicInteger assigned = new AtomicInteger();
        final AtomicInteger revoked = new AtomicInteger();
        final AtomicInteger lost = new AtomicInteger();
        /** When each commit that succeeded began and ended (System.nanoTime). */
        final List<long[]> commits = new CopyOnWriteArrayList<>();
        final List<Throwable> failures = new CopyOnWriteArrayList<>();
        /** The member ids and generations it had after each commit, from its first assignment on. */
        final Set<String> memberIds = ConcurrentHashMap.newKeySet();
        final Set<Integer> generations = ConcurrentHashMap.newKeySet();
        volatile ConsumerGroupMetadata metadata;
        volatile boolean stopped;
        /** Set once the loop ends, before the consumer closes. */
        volatile boolean closing;

        Member(String bootstrap, String group, String instanceId) {
            this.bootstrap = bootstrap;
            this.group = group;
            this.instanceId = instanceId;
            this.thread = new Thread(this, "member-" + group);
            members.add(this);
            thread.start();
        }

        @Override
        public void run() {
            Properties p = new Properties();
            p.put("bootstrap.servers", bootstrap);
            p.put("group.id", group);
            if (instanceId != null) {
                p.put("group.instance.id", instanceId);
            }
            p.put("enable.auto.commit", "false");
            p.put("auto.offset.reset", "earliest");
            p.put("session.timeout.ms", "10000");
            p.put("heartbeat.interval.ms", "500");
            p.put("default.api.timeout.ms", "30000");
            StringDeserializer deserializer = new StringDeserializer();
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p, deserializer, deserializer)) {
                consumer.subscribe(List.of(GroupBrokerChild.TOPIC),
                        new org.apache.kafka.clients.consumer.ConsumerRebalanceListener() {
                            @Override
                            public void onPartitionsRevoked(
                                    Collection<org.apache.kafka.common.TopicPartition> partitions) {
                                if (!closing) { // close() revokes too: not a rebalance
                                    revoked.incrementAndGet();
                                }
                            }

                            @Override
                            public void onPartitionsAssigned(
                                    Collection<org.apache.kafka.common.TopicPartition> partitions) {
                                if (!closing) {
                                    assigned.incrementAndGet();
                                }
                            }

                            @Override
                            public void onPartitionsLost(
                                    Collection<org.apache.kafka.common.TopicPartition> partitions) {
                                if (!closing) {
                                    lost.incrementAndGet();
                                }
                            }
                        });
                while (!stopped) {
                    consumer.poll(Duration.ofMillis(100));
                    if (consumer.assignment().isEmpty()) {
                        continue;
                    }
                    long began = System.nanoTime();
                    try {
                        consumer.commitSync();
                        commits.add(new long[] {began, System.nanoTime()});
                    } catch (RuntimeException e) { // CommitFailedException above all
                        failures.add(e);
                    }
                    ConsumerGroupMetadata now = consumer.groupMetadata();
                    metadata = now;
                    memberIds.add(now.memberId());
                    generations.add(now.generationId());
                }
                closing = true;
            } catch (RuntimeException e) {
                failures.add(e);
            }
        }

        long commitsBeganAfter(long nanos) {
            return commits.stream().filter(c -> c[0] > nanos).count();
        }

        long commitsEndedAfter(long nanos) {
            return commits.stream().filter(c -> c[1] > nanos).count();
        }

        void stop() throws InterruptedException {
            stopped = true;
            thread.join(20_000);
        }
    }

    @Test
    void shouldKeepEveryMemberAndItsCommitsAcrossKillDashNine() throws Exception {
        Path dir = temp.resolve("data");
        String bootstrap = startBroker(dir, 0, "first");
        int port = Integer.parseInt(bootstrap.substring(bootstrap.lastIndexOf(':') + 1));
        Member dynamic = new Member(bootstrap, "readers", null);
        Member fixed = new Member(bootstrap, "static-readers", "reader-1");
        for (Member m : List.of(dynamic, fixed)) {
            await(() -> m.commits.size() >= 10 || !m.failures.isEmpty(), 30, "commits of " + m.group);
        }
        ConsumerGroupMetadata dynamicBefore = dynamic.metadata;
        ConsumerGroupMetadata fixedBefore = fixed.metadata;

        long killed = System.nanoTime();
        broker.destroyForcibly(); // SIGKILL
        assertThat(broker.waitFor(30, TimeUnit.SECONDS)).isTrue();
        startBroker(dir, port, "second");
        long restarted = System.nanoTime();

        // Both go on for a while: through the outage, then a few seconds of heartbeats and commits.
        for (Member m : List.of(dynamic, fixed)) {
            await(() -> (m.commitsEndedAfter(restarted) >= 30
                    && System.nanoTime() - restarted > TimeUnit.SECONDS.toNanos(5)) || !m.failures.isEmpty(), 30,
                    "commits of " + m.group + " after the restart");
        }
        for (Member m : List.of(dynamic, fixed)) {
            m.stop();
        }
        for (Member m : List.of(dynamic, fixed)) {
            assertThat(m.failures).as("failures of %s (broker log: %s)", m.group, childErrors("second")).isEmpty();
            assertThat(m.commitsBeganAfter(killed)).as("commits of %s begun after the kill", m.group).isPositive();
            assertThat(m.commitsEndedAfter(restarted)).as("commits of %s after the restart", m.group)
                    .isGreaterThanOrEqualTo(30);
            assertThat(m.assigned.get()).as("assignments of %s", m.group).isEqualTo(1);
            assertThat(m.revoked.get()).as("revocations of %s", m.group).isZero();
            assertThat(m.lost.get()).as("partitions lost by %s", m.group).isZero();
        }
        assertThat(dynamic.memberIds).containsExactly(dynamicBefore.memberId());
        assertThat(dynamic.generations).containsExactly(dynamicBefore.generationId());
        assertThat(fixed.memberIds).containsExactly(fixedBefore.memberId());
        assertThat(fixed.generations).containsExactly(fixedBefore.generationId());
        assertThat(fixedBefore.groupInstanceId()).contains("reader-1");

        // The static member's process restarts too (it does not leave the group when it closes): the broker,
        // restarted meanwhile, still gives its instance the member id it had.
        Member fixedAgain = new Member(bootstrap, "static-readers", "reader-1");
        await(() -> fixedAgain.metadata != null || !fixedAgain.failures.isEmpty(), 30, "the static member back");
        fixedAgain.stop();
        assertThat(fixedAgain.failures).isEmpty();
        assertThat(fixedAgain.memberIds).containsExactly(fixedBefore.memberId());
    }
}
