package io.sluice.engine.internal.runtime;

import io.sluice.broker.Cluster;
import io.sluice.broker.Consumer;
import io.sluice.broker.ConsumerConfig;
import io.sluice.broker.ConsumerRecord;
import io.sluice.broker.TopicPartition;
import io.sluice.engine.internal.state.LoggedStore;
import io.sluice.engine.internal.task.Metrics;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fills stores from their changelog partitions, from the beginning to the end offset found at start, before their
 * tasks process anything; a table restored from its source topic stops at its task's committed offset instead, the
 * task reading on from there. Progress goes to the log and to the {@code restored-records} and
 * {@code restore-total-records} metrics per store.
 */
final class Restorer {
    private static final Logger log = LoggerFactory.getLogger(Restorer.class);

    private Restorer() {
    }

    /**
     * Restores {@code stores}; {@code committed} gives the committed offsets of the tasks' inputs, among them those
     * of the source partitions that tables are restored from (none: the task has committed nothing, and reads the
     * whole partition itself).
     */
    static void restore(Cluster broker, List<LoggedStore> stores, Map<TopicPartition, Long> committed,
                        Metrics metrics, BooleanSupplier running) {
        Map<TopicPartition, LoggedStore> byPartition = new HashMap<>();
        for (LoggedStore store : stores) {
            if (store.changelogTopic() != null) {
                byPartition.put(new TopicPartition(store.changelogTopic(), store.partition()), store);
            }
        }
        if (byPartition.isEmpty()) {
            return;
        }
        ConsumerConfig config = ConsumerConfig.builder().set(ConsumerConfig.MAX_POLL_RECORDS, 10_000).build();
        try (Consumer consumer = broker.consumer(config)) {
            consumer.assign(byPartition.keySet());
            consumer.seekToBeginning(byPartition.keySet());
            Map<TopicPartition, Long> end = new HashMap<>(consumer.endOffsets(byPartition.keySet()));
            Map<TopicPartition, Long> begin = consumer.beginningOffsets(byPartition.keySet());
            Map<TopicPartition, LongAdder> restored = new HashMap<>();
            long total = 0;
            for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
                LoggedStore store = byPartition.get(e.getKey());
                if (store.sourceTopicAsChangelog()) {
                    e.setValue(Math.min(e.getValue(), committed.getOrDefault(e.getKey(), 0L)));
                }
                long records = Math.max(0, e.getValue() - begin.get(e.getKey()));
                total += records;
                metrics.counter("restore-total-records", "store", store.name()).add(records);
                restored.put(e.getKey(), metrics.counter("restored-records", "store", store.name()));
            }
            end.entrySet().removeIf(e -> e.getValue() <= begin.get(e.getKey()));
            if (end.isEmpty()) {
                return;
            }
            long started = System.nanoTime();
            log.info("Restoring {} changelog records into {} store partitions", total, end.size());
            long skipped = 0;
            while (!end.isEmpty() && running.getAsBoolean()) {
                for (ConsumerRecord r : consumer.poll(Duration.ofMillis(100))) {
                    TopicPartition tp = r.topicPartition();
                    Long stop = end.get(tp);
                    if (stop == null || r.offset() >= stop) {
                        continue;
                    }
                    LoggedStore store = byPartition.get(tp);
                    if (store.sourceTopicAsChangelog()) {
                        if (!restoreFromSource(store, r)) {
                            metrics.counter("restore-skipped-records", "store", store.name()).increment();
                            skipped++;
                        }
                    } else {
                        store.restore(r.key(), r.value());
                    }
                    restored.get(tp).increment();
                }
                end.entrySet().removeIf(e -> consumer.position(e.getKey()) >= e.getValue());
            }
            long ms = (System.nanoTime() - started) / 1_000_000;
            if (skipped > 0) {
                log.warn("Skipped {} source topic records that the table could not read while restoring (the table "
                        + "skipped them when it read them first)", skipped);
            }
            log.info("Restored {} changelog records in {} ms", total, ms);
        }
    }

    /**
     * Applies a record of a table's source topic as the table did when it read it: one without a key, or that
     * its serdes cannot read, was skipped then (a failing deserialization policy stops the job before it commits
     * past such a record), so it is skipped now. Returns whether the record was applied.
     */
    private static boolean restoreFromSource(LoggedStore store, ConsumerRecord r) {
        if (r.key() == null) {
            return false;
        }
        try {
            if (store.spec().isPersistent()) {
                // A persistent store keeps the bytes as they are: read them here, or a bad record breaks a later get.
                store.spec().keySerde().deserialize(r.key());
                if (r.value() != null) {
                    store.spec().valueSerde().deserialize(r.value());
                }
            }
            store.restore(r.key(), r.value());
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }
}
