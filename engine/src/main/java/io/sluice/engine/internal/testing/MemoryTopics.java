package io.sluice.engine.internal.testing;

import io.sluice.broker.ConsumerRecord;
import io.sluice.broker.Header;
import io.sluice.broker.KeyPartitioner;
import io.sluice.broker.TimestampType;
import io.sluice.broker.UnknownTopicException;
import io.sluice.engine.internal.task.RecordCollector;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The test driver's topics: partitioned lists of records, with offsets, in memory. Partitioning follows the
 * producer (murmur2 of the key; records without a key go round-robin). Also the collector the driver's tasks write
 * to: every append is handed to a listener that feeds the reading task. Not thread-safe.
 */
public final class MemoryTopics implements RecordCollector {
    private final Map<String, List<List<ConsumerRecord>>> partitions = new LinkedHashMap<>();
    private final Map<String, List<ConsumerRecord>> appendOrder = new LinkedHashMap<>();
    private final Map<String, Integer> roundRobin = new LinkedHashMap<>();
    private final Consumer<ConsumerRecord> onAppend;

    public MemoryTopics(Consumer<ConsumerRecord> onAppend) {
        this.onAppend = onAppend;
    }

    public void create(String topic, int partitionCount) {
        List<List<ConsumerRecord>> lists = new ArrayList<>();
        for (int i = 0; i < partitionCount; i++) {
            lists.add(new ArrayList<>());
        }
        partitions.put(topic, lists);
        appendOrder.put(topic, new ArrayList<>());
    }

    public boolean exists(String topic) {
        return partitions.containsKey(topic);
    }

    @Override
    public int partitionCount(String topic) {
        return lists(topic).size();
    }

    private List<List<ConsumerRecord>> lists(String topic) {
        List<List<ConsumerRecord>> lists = partitions.get(topic);
        if (lists == null) {
            throw new UnknownTopicException("Unknown topic: topic=" + topic + " (the test driver has "
                    + partitions.keySet() + ")");
        }
        return lists;
    }

    @Override
    public void send(String topic, int partition, byte[] key, byte[] value, long timestamp, List<Header> headers) {
        List<List<ConsumerRecord>> lists = lists(topic);
        int p = partition;
        if (p == BY_KEY) {
            if (key != null) {
                p = KeyPartitioner.partition(key, lists.size());
            } else {
                p = roundRobin.merge(topic, 1, Integer::sum) % lists.size();
            }
        }
        List<ConsumerRecord> log = lists.get(p);
        ConsumerRecord record = new ConsumerRecord(topic, p, log.size(), timestamp, TimestampType.CREATE_TIME, key,
                value, List.copyOf(headers));
        log.add(record);
        appendOrder.get(topic).add(record);
        onAppend.accept(record);
    }

    /** Every record of {@code topic} in the order it was appended. */
    public List<ConsumerRecord> records(String topic) {
        lists(topic);
        return List.copyOf(appendOrder.get(topic));
    }

    /** The records of one partition, by offset. */
    public List<ConsumerRecord> records(String topic, int partition) {
        return List.copyOf(lists(topic).get(partition));
    }

    @Override
    public void flush() {
    }
}
