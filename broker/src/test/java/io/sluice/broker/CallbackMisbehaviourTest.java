package io.sluice.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A send callback that throws, or sends, must not take down or deadlock the journal and flusher threads. */
@Timeout(120)
class CallbackMisbehaviourTest {
    @TempDir
    Path dir;

    private Broker start(Object... keyValues) {
        BrokerConfig.Builder b = BrokerConfig.builder(dir).set("journal.threads", 1);
        for (int i = 0; i < keyValues.length; i += 2) {
            b.set((String) keyValues[i], keyValues[i + 1]);
        }
        return Broker.start(b.build());
    }

    /** Closes in the background: a wedged journal makes close() hang, which must not hang the test. */
    private static boolean closesWithin(Broker broker, Duration timeout) throws InterruptedException {
        Thread closer = new Thread(broker::close, "closer");
        closer.setDaemon(true);
        closer.start();
        closer.join(timeout.toMillis());
        return !closer.isAlive();
    }

    private static List<ConsumerRecord> readAll(Broker broker, String topic) {
        try (Consumer consumer = broker.consumer()) {
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            return BrokerTest.readAll(consumer, partition);
        }
    }

    /**
     * A callback that throws an Error (a JUnit assertion, say) escapes PartitionWriter.publishAndComplete, which
     * only catches RuntimeException; JournalHandler.endRun then never clears 'touched' nor the writer's pending run,
     * so the next run writes the same records again.
     */
    @Test
    void anErrorThrownByACallbackMustNotDuplicateRecordsOrCallItAgain() throws Exception {
        Broker broker = start();
        try (Admin admin = broker.admin()) {
            Producer producer = broker.producer();
            admin.createTopic(NewTopic.of("t", 1));
            AtomicInteger calls = new AtomicInteger();
            producer.send(ProducerRecord.of("t", "k", "first"), (m, e) -> {
                if (calls.incrementAndGet() == 1) {
                    throw new AssertionError("assertion failed in a callback, once");
                }
            });
            Thread.sleep(200);
            producer.send(ProducerRecord.of("t", "k", "second")).get(5, TimeUnit.SECONDS);
            List<String> values = readAll(broker, "t").stream().map(ConsumerRecord::valueAsString).toList();
            assertThat(values).as("records in the log").containsExactly("first", "second");
            assertThat(calls.get()).as("callback calls").isEqualTo(1);
            assertThat(closesWithin(broker, Duration.ofSeconds(20))).as("broker closed within 20 s").isTrue();
        } finally {
            closesWithin(broker, Duration.ofSeconds(5));
        }
    }

    /** The same Error when the callback throws every time: the journal never runs a task again. */
    @Test
    void anErrorThrownByACallbackMustNotStopFlushBarriers() throws Exception {
        Broker broker = start();
        try (Admin admin = broker.admin()) {
            Producer producer = broker.producer();
            admin.createTopic(NewTopic.of("t", 1));
            producer.send(ProducerRecord.of("t", "k", "first"), (m, e) -> {
                throw new AssertionError("assertion failed in a callback");
            });
            Thread.sleep(200);
            Thread flusher = new Thread(producer::flush);
            flusher.setDaemon(true);
            flusher.start();
            flusher.join(5_000);
            assertThat(flusher.isAlive()).as("producer.flush() still blocked after 5 s").isFalse();
            assertThat(closesWithin(broker, Duration.ofSeconds(20))).as("broker closed within 20 s").isTrue();
        } finally {
            closesWithin(broker, Duration.ofSeconds(1));
        }
    }

    /**
     * On a flush.messages=1 topic, callbacks run on the flusher thread; FlushStage.run catches only
     * RuntimeException, so an Error kills the thread: later sends on the shard never complete and close() hangs in
     * FlushStage.drain().
     */
    @Test
    void anErrorThrownByACallbackOnAFsyncEveryBatchTopicMustNotStopAcknowledgements() throws Exception {
        Broker broker = start();
        try (Admin admin = broker.admin()) {
            Producer producer = broker.producer();
            admin.createTopic(NewTopic.of("durable", 1).withConfig("flush.messages", "1"));
            producer.send(ProducerRecord.of("durable", "k", "first"), (m, e) -> {
                throw new AssertionError("assertion failed in a callback");
            });
            Thread.sleep(200);
            Throwable failure = null;
            try {
                producer.send(ProducerRecord.of("durable", "k", "second")).get(5, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                failure = e;
            }
            boolean closed = closesWithin(broker, Duration.ofSeconds(20));
            assertThat(failure).as("a later send on the topic timed out").isNull();
            assertThat(closed).as("broker closed within 20 s").isTrue();
        } finally {
            closesWithin(broker, Duration.ofMillis(1));
        }
    }

    /**
     * A send from a callback that auto-creates a topic runs TopicRegistry.createTopic → JournalShard.addPartition →
     * call() on the journal thread, which then waits for a task that only it can run.
     */
    @Test
    void aSendFromACallbackThatAutoCreatesATopicMustNotDeadlockTheJournal() throws Exception {
        Broker broker = start("auto.create.topics.enable", true);
        try (Admin admin = broker.admin()) {
            Producer producer = broker.producer();
            admin.createTopic(NewTopic.of("in", 1));
            producer.send(ProducerRecord.of("in", "k", "v"), (m, e) ->
                    producer.send(ProducerRecord.of("derived", "k", "v"), (m2, e2) -> { }));
            Throwable failure = null;
            try {
                producer.send(ProducerRecord.of("in", "k", "v2")).get(5, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                failure = e;
            }
            assertThat(failure).as("the next send timed out: journal deadlocked").isNull();
            assertThat(closesWithin(broker, Duration.ofSeconds(20))).as("broker closed within 20 s").isTrue();
        } finally {
            closesWithin(broker, Duration.ofSeconds(1));
        }
    }
}
